"""The EST situation picture (lägesbild): ``!lägesbild`` / ``!sitrep`` in the moderation
room, the scheduled post before the EST meeting, and the meeting report and export of
``tryggbot est``.

* `picture`: the picture as data (counts after small-count suppression);
* `suppress`: the suppression rule;
* `render`: chat text, charts, Markdown and HTML;
* `posts`: the picture as messages (summary and images) for a room;
* `commands`, `schedule`: the chat command and the scheduled post;
* `export`: the meeting report and the record export for the command line.
"""

from __future__ import annotations

from bot.features import Feature
from handlers.est.commands import COMMAND
from handlers.est.schedule import jobs
from storage.migrations.est import EST

FEATURE = Feature(
    name="est",
    commands=(COMMAND,),
    configured_jobs=jobs,
    settings="est",
    tables=("est_posting",),  # slots claimed per room: no person, no text (no hooks needed)
    migrations=(EST,),  # est_posting, and the picture's covering index on tip
)
