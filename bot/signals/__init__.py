"""Safety signals in a resident's message: how urgent it is, whether it identifies a person
or vehicle, and whether it is worry about a child.

Contract
--------
``SignalDetector(path).detect(text)`` returns a :class:`Signals`:

* ``urgent``: clearly urgent (an ongoing threat to life, fire, violence, a break-in in
  progress, someone not breathing, drowning, a weapon now, a call for help now); the bot answers
  with 112 before anything else.
* ``possibly_urgent``: an alarming word without a sign that it is happening now ("jag hittade
  en kniv"); the bot gives its normal answer with one more line about 112. Never both.
* ``identifies``: the message names or describes a specific person or vehicle (a name from
  ``config/content/names.toml`` or after "heter"/"named"/"min granne", a flat number, clothing or
  hair, "en svart Volvo", a licence plate or a personnummer, also when already replaced by the
  scrubber's label); the bot redirects to 114 14 / polisen.se and keeps only category, place
  and time. Places ("Området heter Gröndal") do not count.
* ``child_concern``: worry about a specific child; the bot points to socialtjänsten (112 if
  acute) and stores nothing.
* ``matched``: the names of the lists and rules that fired (no duplicates, never user text),
  and with the model ``model.<grade>`` and ``model.identifies.<true|false>``.

Rules and model: by default the rules' findings go, as features, to the learned model of
``bot/safety_model.py`` (weights shipped in ``config/content/safety_model.npz``), and
:func:`combine` turns its scores into the grade and the person signal, with thresholds chosen
across authors; messages of fewer than :data:`MIN_WORDS` words are graded by the rules alone,
and plates, someone else's personnummer, the scrubber's ``[namn]`` and the person rules that
were nearly always right across authors always identify (the writer's own personnummer, "mitt
personnummer är …", and own name, "jag heter …", identify nobody). Idioms
(``[urgent.idioms]``) are removed before either looks; cartoon characters and statues
(``[not_people]``) before the person rules do. ``learned=False`` gives the rules alone, as
described below.

How the rules grade urgency (word lists in ``config/content/signals.toml``, ``[urgent.*]``): an
*acute* phrase is clearly urgent by itself; a *danger* word is clearly urgent with a sign of
*now* (explicit "nu"/"right now", or a present/progressive form) or a call for help, and
possibly urgent without one. Past time and habit lower the grade by one step (an explicit
"now" keeps a danger word urgent), questions about rules make a danger word not urgent, a
hypothetical ("vad gör jag om…") caps it at possibly urgent, a negation right before a danger
word cancels it, and figurative uses are removed before matching ("jag brinner för").

The files (word lists, names, weights) are read once, in ``__init__``; ``detect`` is pure,
never raises for a ``str`` and runs in time roughly linear in the length of the text. An
invalid configuration or weights file raises ``ValueError`` at start-up.
"""

from __future__ import annotations

from .detector import SignalDetector
from .folding import fold, word_count
from .grading import MIN_WORDS, Signals, combine
from .wordlists import SIGNALS, default_path

__all__ = [
    "MIN_WORDS",
    "SIGNALS",
    "SignalDetector",
    "Signals",
    "combine",
    "default_path",
    "fold",
    "word_count",
]
