"""Migration 5: native polls, private surveys, results and outcomes."""

from __future__ import annotations

from .step import Migration

POLLS = Migration(
    5,
    "polls: native polls, private surveys, results, outcomes",
    (
        # A dialogue question: a native poll in rooms or a private survey in direct chats.
        # ``content`` holds the questions and options (texts per language), never answers.
        # ``voter_key`` keys the voter hashes while the poll is open; NULL once closed.
        """
            CREATE TABLE poll (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('poll', 'survey')),
                template TEXT,
                content TEXT NOT NULL,
                disclosed INTEGER NOT NULL CHECK (disclosed IN (0, 1)),
                state TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (state IN ('scheduled', 'open', 'closed', 'deleted')),
                opens_at TEXT NOT NULL,
                closes_at TEXT NOT NULL,
                opened_at TEXT,
                closed_at TEXT,
                voter_key TEXT,
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                results_posted INTEGER NOT NULL DEFAULT 0 CHECK (results_posted IN (0, 1)),
                outcome TEXT,
                outcome_at TEXT,
                outcome_posted INTEGER NOT NULL DEFAULT 0 CHECK (outcome_posted IN (0, 1)),
                CHECK (closes_at > opens_at)
            ) STRICT
            """,
        "CREATE INDEX poll_due ON poll (state, opens_at, closes_at)",
        # Where a poll is posted: a room, its place and language, and what was sent there.
        """
            CREATE TABLE poll_target (
                id INTEGER PRIMARY KEY,
                poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL,
                locality TEXT,
                area TEXT,
                language TEXT NOT NULL,
                start_event_id TEXT UNIQUE,
                end_sent INTEGER NOT NULL DEFAULT 0 CHECK (end_sent IN (0, 1)),
                outcome_sent INTEGER NOT NULL DEFAULT 0 CHECK (outcome_sent IN (0, 1)),
                UNIQUE (poll_id, room_id)
            ) STRICT
            """,
        # Native poll responses (and !rösta) while the poll is open: the voter only as a
        # hash keyed with the poll's own key. All rows are deleted when the poll closes.
        """
            CREATE TABLE poll_response (
                id INTEGER PRIMARY KEY,
                poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
                target_id INTEGER NOT NULL REFERENCES poll_target (id) ON DELETE CASCADE,
                event_id TEXT NOT NULL UNIQUE,
                voter TEXT NOT NULL CHECK (length(voter) = 32),
                sent_ms INTEGER NOT NULL,
                answers TEXT,
                redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted IN (0, 1))
            ) STRICT
            """,
        "CREATE INDEX poll_response_poll ON poll_response (poll_id, voter)",
        # Counts, written when a poll closes: per question, place ('' = all) and option
        # ('*' = number of people who answered). No person, no time.
        """
            CREATE TABLE poll_count (
                poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
                question TEXT NOT NULL,
                place TEXT NOT NULL,
                option_id TEXT NOT NULL,
                n INTEGER NOT NULL CHECK (n >= 0),
                PRIMARY KEY (poll_id, question, place, option_id)
            ) STRICT
            """,
        # Private surveys: who has answered, as a keyed hash, in a table without row
        # order (WITHOUT ROWID), so it cannot be lined up with the answers. Deleted at close.
        """
            CREATE TABLE survey_voter (
                poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
                voter TEXT NOT NULL CHECK (length(voter) = 32),
                PRIMARY KEY (poll_id, voter)
            ) STRICT, WITHOUT ROWID
            """,
        # One answer set, with the place the person chose, and no link to the person.
        """
            CREATE TABLE survey_submission (
                id INTEGER PRIMARY KEY,
                poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
                place TEXT NOT NULL
            ) STRICT
            """,
        """
            CREATE TABLE survey_answer (
                submission_id INTEGER NOT NULL
                    REFERENCES survey_submission (id) ON DELETE CASCADE,
                question TEXT NOT NULL,
                option_id TEXT NOT NULL,
                PRIMARY KEY (submission_id, question, option_id)
            ) STRICT
            """,
        # Direct chats (room ids, not people) that asked for the "you said, we did"
        # message; deleted once it has been sent.
        """
            CREATE TABLE survey_followup (
                poll_id INTEGER NOT NULL REFERENCES poll (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL,
                language TEXT NOT NULL,
                PRIMARY KEY (poll_id, room_id)
            ) STRICT, WITHOUT ROWID
            """,
    ),
)
