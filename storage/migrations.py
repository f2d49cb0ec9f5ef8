"""The schema, as numbered forward-only migrations. Never edit a released migration:
add a new one. Each runs in one transaction with its ``user_version`` bump."""

from __future__ import annotations

from storage.migration import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core: people, rooms, conversations, completions",
        (
            # A person is known only by the keyed hash (HMAC) of their Matrix id.
            """
            CREATE TABLE person (
                id INTEGER PRIMARY KEY,
                pseudonym TEXT NOT NULL UNIQUE CHECK (length(pseudonym) = 32),
                language TEXT CHECK (language IS NULL OR length(language) BETWEEN 2 AND 3),
                language_explicit INTEGER NOT NULL DEFAULT 0 CHECK (language_explicit IN (0, 1)),
                notice_shown_at TEXT,
                created_at TEXT NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE room (
                id INTEGER PRIMARY KEY,
                room_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL
                    CHECK (kind IN ('direct', 'moderation', 'neighbourhood', 'other')),
                locality TEXT,
                area TEXT,
                language TEXT,
                encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
                updated_at TEXT NOT NULL
            ) STRICT
            """,
            # Guided conversations, one per (room, person), both as keyed hashes.
            # ``data`` holds only scrubbed text.
            """
            CREATE TABLE conversation (
                id INTEGER PRIMARY KEY,
                room_key TEXT NOT NULL,
                person TEXT NOT NULL,
                flow TEXT NOT NULL,
                step TEXT NOT NULL,
                history TEXT NOT NULL DEFAULT '[]',
                data TEXT NOT NULL DEFAULT '{}',
                token TEXT NOT NULL UNIQUE,
                language TEXT NOT NULL,
                started_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                UNIQUE (room_key, person)
            ) STRICT
            """,
            "CREATE INDEX conversation_expires ON conversation (expires_at)",
            # A completed conversation's token: finishing twice is a no-op.
            """
            CREATE TABLE completion (
                token TEXT PRIMARY KEY,
                flow TEXT NOT NULL,
                completed_at TEXT NOT NULL
            ) STRICT
            """,
        ),
    ),
    Migration(
        2,
        "matrix: inbox, handled events, key-value state",
        (
            # Incoming events wait here until handled (at-least-once). The row, with its
            # raw text and sender, is deleted as soon as the event has been handled.
            """
            CREATE TABLE inbox (
                id INTEGER PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                room_id TEXT NOT NULL,
                kind TEXT NOT NULL
                    CHECK (kind IN ('message', 'reaction', 'encrypted', 'other')),
                payload TEXT NOT NULL,
                received_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
            # Event ids already handled, so a replayed event is never handled twice.
            # Holds no text and no sender; purged after a few days.
            """
            CREATE TABLE handled_event (
                event_id TEXT PRIMARY KEY,
                handled_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX handled_event_at ON handled_event (handled_at)",
            # Small named values: the sync token, the time of the last sync.
            """
            CREATE TABLE kv (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT
            """,
        ),
    ),
    Migration(
        3,
        "tips: EST records, short-lived text, relay links, cards, notes, audit",
        (
            # The EST-grade record: no text, no person. ``reporter`` is the keyed hash of the
            # reporter, used only for limits and !mina; !glöm clears it.
            """
            CREATE TABLE tip (
                id INTEGER PRIMARY KEY,
                code TEXT NOT NULL UNIQUE,
                category TEXT NOT NULL,
                locality TEXT NOT NULL,
                area TEXT,
                place_type TEXT NOT NULL,
                occurred_date TEXT NOT NULL,
                weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
                time_band TEXT NOT NULL
                    CHECK (time_band IN ('00-06', '06-12', '12-18', '18-24', 'okand')),
                iso_week TEXT NOT NULL,
                language TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'new'
                    CHECK (state IN ('new', 'reviewed', 'forwarded', 'closed', 'dismissed')),
                priority TEXT NOT NULL DEFAULT 'normal'
                    CHECK (priority IN ('high', 'normal', 'low')),
                public_note TEXT,
                assignee TEXT,
                reporter TEXT CHECK (reporter IS NULL OR length(reporter) = 32),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX tip_reporter ON tip (reporter, created_at)",
            "CREATE INDEX tip_related ON tip (category, locality, occurred_date)",
            "CREATE INDEX tip_queue ON tip (state, priority, created_at)",
            "CREATE INDEX tip_expires ON tip (expires_at)",
            # The scrubbed free text, deleted after retention.text_days.
            """
            CREATE TABLE tip_text (
                tip_id INTEGER PRIMARY KEY REFERENCES tip (id) ON DELETE CASCADE,
                body TEXT NOT NULL,
                delete_after TEXT NOT NULL
            ) STRICT
            """,
            # How to reach a reporter with follow-up questions: their direct chat with the
            # bot (a room id, never their Matrix id), until the link expires.
            """
            CREATE TABLE relay (
                tip_id INTEGER PRIMARY KEY REFERENCES tip (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT
            """,
            # Where a tip's card is in the moderation room (its thread root).
            """
            CREATE TABLE tip_card (
                tip_id INTEGER PRIMARY KEY REFERENCES tip (id) ON DELETE CASCADE,
                room_id TEXT NOT NULL,
                event_id TEXT NOT NULL UNIQUE
            ) STRICT
            """,
            # Follow-up questions (moderators) and answers (reporters, scrubbed), short-lived.
            """
            CREATE TABLE tip_message (
                id INTEGER PRIMARY KEY,
                tip_id INTEGER NOT NULL REFERENCES tip (id) ON DELETE CASCADE,
                direction TEXT NOT NULL CHECK (direction IN ('question', 'answer', 'note')),
                body TEXT NOT NULL,
                author TEXT,
                created_at TEXT NOT NULL,
                delete_after TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX tip_message_tip ON tip_message (tip_id, id)",
            "CREATE INDEX tip_message_delete ON tip_message (delete_after)",
            # Who changed what and when (moderators only; never resident text).
            """
            CREATE TABLE audit (
                id INTEGER PRIMARY KEY,
                tip_id INTEGER REFERENCES tip (id) ON DELETE CASCADE,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT,
                created_at TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX audit_tip ON audit (tip_id, id)",
        ),
    ),
    Migration(
        4,
        "exactly once: outbox, inbox without raw ids",
        (
            # Messages a handled event (or a job) will send, written in the same transaction
            # as the state change that caused them. ``txn_id`` is fixed when the row is
            # written, so a resend after a crash reuses it and the homeserver deduplicates.
            # ``payload`` is sealed (AEAD); the row is deleted once the homeserver has it.
            """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                room_id TEXT NOT NULL,
                txn_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('message', 'reaction')),
                payload TEXT NOT NULL,
                created_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
            "CREATE INDEX outbox_room ON outbox (room_id, id)",
            # The inbox keeps the sender only as a pseudonym and a role resolved at ingest;
            # the payload is sealed.
            "ALTER TABLE inbox ADD COLUMN person TEXT",
            "ALTER TABLE inbox ADD COLUMN role INTEGER NOT NULL DEFAULT 0",
        ),
    ),
    Migration(
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
    ),
    Migration(
        6,
        "broadcasts: schedules, runs, deliveries, subscribers, rotation, fingerprints",
        (
            # The schedule is the database: config schedules are kept here by their key,
            # moderators' schedules have none. ``checked_until`` (UTC): slots up to this
            # time have been sent, skipped or were not due.
            """
            CREATE TABLE broadcast_schedule (
                id INTEGER PRIMARY KEY,
                config_key TEXT UNIQUE,
                cron TEXT NOT NULL,
                target TEXT NOT NULL,
                topic TEXT,
                state TEXT NOT NULL DEFAULT 'active'
                    CHECK (state IN ('active', 'paused', 'deleted')),
                checked_until TEXT NOT NULL,
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT
            """,
            # Ad hoc warnings written by a moderator: a draft until confirmed.
            """
            CREATE TABLE broadcast_adhoc (
                id INTEGER PRIMARY KEY,
                body TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('draft', 'confirmed')),
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            ) STRICT
            """,
            # One fan-out: a schedule's slot (local wall-clock time, so the repeated hour
            # when daylight saving ends is one slot), a manual send or an ad hoc warning.
            """
            CREATE TABLE broadcast_run (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                schedule_id INTEGER REFERENCES broadcast_schedule (id),
                adhoc_id INTEGER UNIQUE REFERENCES broadcast_adhoc (id),
                slot TEXT NOT NULL,
                slot_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('sending', 'done', 'skipped')),
                reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
                created_at TEXT NOT NULL,
                finished_at TEXT,
                UNIQUE (schedule_id, slot)
            ) STRICT
            """,
            "CREATE INDEX broadcast_run_state ON broadcast_run (state, id)",
            "CREATE INDEX broadcast_run_slot_at ON broadcast_run (slot_at)",
            # Each delivery is claimed here (with its rendered body, so a resend after a
            # crash is the very same message) before it is sent. Ids are never reused: the
            # transaction id of a send is derived from it.
            """
            CREATE TABLE broadcast_delivery (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id INTEGER NOT NULL REFERENCES broadcast_run (id) ON DELETE CASCADE,
                target TEXT NOT NULL,
                room_id TEXT NOT NULL,
                language TEXT NOT NULL,
                items TEXT NOT NULL,
                body TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'claimed'
                    CHECK (state IN ('claimed', 'sent', 'failed', 'skipped')),
                attempts INTEGER NOT NULL DEFAULT 0,
                event_id TEXT,
                claimed_at TEXT NOT NULL,
                done_at TEXT,
                UNIQUE (run_id, target)
            ) STRICT
            """,
            "CREATE INDEX broadcast_delivery_state ON broadcast_delivery (run_id, state)",
            "CREATE INDEX broadcast_delivery_target ON broadcast_delivery (target)",
            "CREATE INDEX broadcast_delivery_event ON broadcast_delivery (event_id)",
            # A subscriber: the keyed hash of the person and the direct chat to send to.
            """
            CREATE TABLE broadcast_subscriber (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                person TEXT NOT NULL UNIQUE CHECK (length(person) = 32),
                room_id TEXT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('every', 'digest')),
                created_at TEXT NOT NULL
            ) STRICT
            """,
            # Rotation: when (which run) a target last got each warning.
            """
            CREATE TABLE broadcast_shown (
                target TEXT NOT NULL,
                warning_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                PRIMARY KEY (target, warning_id)
            ) STRICT, WITHOUT ROWID
            """,
            # Keyed hashes of every body broadcast, for !äkta. No text.
            """
            CREATE TABLE broadcast_fingerprint (
                hash TEXT PRIMARY KEY,
                first_sent_at TEXT NOT NULL
            ) STRICT
            """,
        ),
    ),
    Migration(
        7,
        "est: covering index for the situation picture, claims of scheduled posts",
        (
            # Every picture query filters on the local date and groups by the other columns:
            # with this covering index a 14-day picture reads only the index.
            """
            CREATE INDEX tip_est ON tip (occurred_date, category, locality, area, place_type,
                                         weekday, time_band, state)
            """,
            # One row per scheduled post of the picture: claimed before sending, so a restart
            # or a duplicate firing never posts a slot twice.
            """
            CREATE TABLE est_posting (
                id INTEGER PRIMARY KEY,
                slot TEXT NOT NULL,
                room_id TEXT NOT NULL,
                period_start TEXT NOT NULL,
                period_end TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'claimed' CHECK (state IN ('claimed', 'sent')),
                claimed_at TEXT NOT NULL,
                sent_at TEXT,
                UNIQUE (slot, room_id)
            ) STRICT
            """,
        ),
    ),
    Migration(
        8,
        "web: sessions' reply sequences and replies waiting for the page",
        (
            # One row per web session: its id is a keyed hash of the page's own secret (the
            # secret itself is never stored), ``last_seq`` the sequence of its latest reply.
            """
            CREATE TABLE web_session (
                session TEXT PRIMARY KEY CHECK (length(session) = 32),
                last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
                updated_at TEXT NOT NULL
            ) STRICT, WITHOUT ROWID
            """,
            # Replies for a page, numbered per session, kept (sealed) until ``expires_at`` so
            # a page that reconnects or comes back gets exactly what it missed. ``txn_id`` is
            # the outbox row's: a resend after a crash stores nothing twice.
            """
            CREATE TABLE web_message (
                id INTEGER PRIMARY KEY,
                session TEXT NOT NULL CHECK (length(session) = 32),
                seq INTEGER NOT NULL CHECK (seq > 0),
                txn_id TEXT NOT NULL UNIQUE,
                payload TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                UNIQUE (session, seq)
            ) STRICT
            """,
            "CREATE INDEX web_message_expires ON web_message (expires_at)",
        ),
    ),
)
