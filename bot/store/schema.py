"""The database schema as numbered migrations; PRAGMA user_version records the last applied."""

from __future__ import annotations

# Append only: a released migration is never edited, so every older database can be
# brought up to date step by step.
MIGRATIONS: tuple[str, ...] = (
    # 1: users and invites
    """
    CREATE TABLE users (
        user_id      INTEGER PRIMARY KEY,         -- Telegram user id
        chat_id      INTEGER NOT NULL,            -- private chat with the bot
        role         TEXT NOT NULL,
        municipality TEXT,
        name         TEXT,                        -- as given on the invite, shown to colleagues
        username     TEXT,                        -- Telegram @username, to find duty officers
        language     TEXT NOT NULL DEFAULT 'nl',
        created_at   TEXT NOT NULL,
        revoked_at   TEXT
    );
    CREATE INDEX users_username ON users (username);
    CREATE TABLE invites (
        code_hash    TEXT PRIMARY KEY,            -- sha256 of the code: the code itself is not kept
        role         TEXT NOT NULL,
        municipality TEXT,
        name         TEXT,
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        used_at      TEXT,
        used_by      INTEGER
    );
    """,
    # 2: helpdesk tickets, feedback, unanswered questions and the outbox
    """
    CREATE TABLE tickets (
        id               INTEGER PRIMARY KEY,
        user_id          INTEGER NOT NULL,
        chat_id          INTEGER NOT NULL,
        question         TEXT NOT NULL,
        language         TEXT NOT NULL DEFAULT 'nl',
        urgent           INTEGER NOT NULL DEFAULT 0,
        status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        agent_id         INTEGER,
        agent_name       TEXT,
        group_message_id INTEGER,
        thread_id        INTEGER,
        created_at       TEXT NOT NULL,
        claimed_at       TEXT,
        closed_at        TEXT
    );
    CREATE INDEX tickets_user ON tickets (user_id, status);
    CREATE INDEX tickets_thread ON tickets (thread_id);
    CREATE TABLE ticket_messages (
        id               INTEGER PRIMARY KEY,
        ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        sender           TEXT NOT NULL CHECK (sender IN ('user', 'agent')),
        text             TEXT NOT NULL,
        group_message_id INTEGER,
        created_at       TEXT NOT NULL
    );
    CREATE INDEX ticket_messages_group ON ticket_messages (group_message_id);
    CREATE TABLE feedback (
        id         INTEGER PRIMARY KEY,
        entry_id   TEXT NOT NULL,
        helpful    INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE unanswered (
        id         INTEGER PRIMARY KEY,
        text       TEXT NOT NULL,                 -- the question only: no user id is kept
        route      TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        dedupe_key      TEXT NOT NULL UNIQUE,
        chat_id         INTEGER NOT NULL,
        payload         TEXT NOT NULL,            -- JSON: text, buttons, thread, reply-to
        priority        INTEGER NOT NULL DEFAULT 0,
        purpose         TEXT NOT NULL DEFAULT '',
        ref             INTEGER,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        sent_at         TEXT,
        message_id      INTEGER,
        failed_at       TEXT,
        error           TEXT,
        created_at      TEXT NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (sent_at, failed_at, priority, next_attempt_at);
    """,
    # 3: the duty roster, escalations with their audit trail, and seen updates
    """
    CREATE TABLE shifts (
        id        INTEGER PRIMARY KEY,
        user_id   INTEGER NOT NULL,
        level     INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
        starts_at TEXT NOT NULL,
        ends_at   TEXT NOT NULL,
        CHECK (ends_at > starts_at)
    );
    CREATE INDEX shifts_time ON shifts (ends_at, starts_at);
    CREATE TABLE escalations (
        id           INTEGER PRIMARY KEY,
        mayor_id     INTEGER NOT NULL,
        mayor_chat   INTEGER NOT NULL,
        mayor_name   TEXT NOT NULL,
        municipality TEXT NOT NULL,
        message      TEXT NOT NULL,
        phone        TEXT,
        plan         TEXT NOT NULL,               -- JSON: frozen when the escalation started
        state        TEXT NOT NULL,
        level        INTEGER NOT NULL,
        deadline     TEXT,                        -- the next timeout; NULL when closed
        created_at   TEXT NOT NULL,
        test         INTEGER NOT NULL DEFAULT 0,
        holder       INTEGER,
        holder_name  TEXT,
        acked_at     TEXT,
        closed_at    TEXT,
        helpful      INTEGER
    );
    CREATE INDEX escalations_due ON escalations (state, deadline);
    CREATE INDEX escalations_mayor ON escalations (mayor_id, state);
    CREATE TABLE escalation_events (
        id            INTEGER PRIMARY KEY,
        escalation_id INTEGER NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
        event         TEXT NOT NULL,
        actor         INTEGER,
        state         TEXT NOT NULL,
        level         INTEGER NOT NULL,
        detail        TEXT NOT NULL DEFAULT '',
        at            TEXT NOT NULL
    );
    CREATE INDEX escalation_events_escalation ON escalation_events (escalation_id);
    CREATE TABLE seen_updates (
        update_id INTEGER PRIMARY KEY,
        at        TEXT NOT NULL
    );
    CREATE TABLE alerts (
        key TEXT PRIMARY KEY,                     -- e.g. "roster-gap:2026-11-24": once a day
        at  TEXT NOT NULL
    );
    """,
    # 4: the inbox (updates kept before Telegram is told they arrived), drafts, outbox lanes
    """
    CREATE TABLE inbox (
        update_id   INTEGER PRIMARY KEY,
        payload     TEXT,                         -- the update as JSON; NULL once handled
        received_at TEXT NOT NULL,
        handled_at  TEXT
    );
    CREATE INDEX inbox_pending ON inbox (handled_at);
    INSERT INTO inbox (update_id, received_at, handled_at)
        SELECT update_id, at, at FROM seen_updates;
    DROP TABLE seen_updates;
    CREATE TABLE drafts (
        user_id  INTEGER PRIMARY KEY,
        question TEXT,                            -- the last question: "ask a person", a page
        phone    TEXT,                            -- a mayor's own number, for their next page only
        at       TEXT NOT NULL
    );
    ALTER TABLE outbox ADD COLUMN batch TEXT;     -- queued rows with the same batch go as one
    ALTER TABLE outbox ADD COLUMN origin INTEGER; -- the chat to tell when it cannot be delivered
    CREATE INDEX outbox_lane ON outbox (chat_id, priority DESC, id)
        WHERE sent_at IS NULL AND failed_at IS NULL;
    """,
    # 5: hand-over offers, kept when made: a button then names an offer, never a giver
    """
    CREATE TABLE handovers (
        id          INTEGER PRIMARY KEY,
        giver       INTEGER NOT NULL,
        taker       INTEGER NOT NULL,
        offered_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        accepted_at TEXT
    );
    """,
    # 6: a crisis reply's page offer (its button names it), and attempts counted for limits
    """
    ALTER TABLE drafts ADD COLUMN offer INTEGER;  -- the open "Piket inschakelen" offer, once
    CREATE TABLE attempts (
        user_id INTEGER NOT NULL,
        kind    TEXT NOT NULL,                    -- "question", "ticket", "crisis", "invite"
        at      TEXT NOT NULL
    );
    CREATE INDEX attempts_by_user ON attempts (user_id, kind, at);
    """,
)
