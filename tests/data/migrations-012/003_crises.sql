-- 003: crises, the inbox of commands, and timers.
--
-- The crisis row is the unit of work: an engine locks it (FOR UPDATE SKIP
-- LOCKED) to apply the crisis's pending commands and due timers, so one
-- crisis is never applied by two engines at once. `state` holds the state
-- machine's instance (tc_instance as JSON), NULL until the trigger is applied;
-- the other columns mirror it for listing and filtering. `revision` guards
-- every write of `state`. Every table is keyed by crisis first, so the schema
-- can be distributed by crisis.

CREATE TABLE tocsin.crises (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    playbook         text        NOT NULL,
    version          integer     NOT NULL,
    title            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed', 'cancelled')),
    outcome          text,
    severity         text        NOT NULL DEFAULT 'unknown'
                                 CHECK (severity IN ('extreme', 'severe', 'moderate', 'minor', 'unknown')),
    mode             text        NOT NULL DEFAULT 'actual' CHECK (mode IN ('actual', 'exercise', 'test')),
    parties          text[]      NOT NULL,
    initiator        name        NOT NULL DEFAULT current_user,
    inputs           jsonb       NOT NULL DEFAULT '{}',
    state            jsonb,
    revision         bigint      NOT NULL DEFAULT 0,
    escalation_level integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    closed_at        timestamptz,
    trigger_key      text,
    FOREIGN KEY (playbook, version) REFERENCES tocsin.playbooks (name, version),
    UNIQUE (initiator, playbook, trigger_key)
);

CREATE INDEX crises_by_status ON tocsin.crises (status, id DESC);

-- Commands wait here until an engine applies them, in the order of recorded_at.
CREATE TABLE tocsin.commands (
    crisis      bigint      NOT NULL REFERENCES tocsin.crises (id),
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    kind        text        NOT NULL CHECK (kind IN ('trigger', 'vote', 'complete', 'ack', 'escalate', 'cancel')),
    actor       name        NOT NULL DEFAULT current_user,
    login       name        NOT NULL DEFAULT session_user,
    args        jsonb       NOT NULL DEFAULT '{}',
    idem_key    text,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_at  timestamptz,
    result      text        CHECK (result IN ('applied', 'refused')),
    error       text,
    PRIMARY KEY (crisis, seq),
    UNIQUE (crisis, actor, idem_key)
);

CREATE INDEX commands_pending ON tocsin.commands (crisis) WHERE applied_at IS NULL;

-- Deadlines, escalation levels, waits, action timeouts and retries, by due time.
-- Millions of them cost index entries, not engine memory.
CREATE TABLE tocsin.timers (
    crisis bigint      NOT NULL REFERENCES tocsin.crises (id),
    key    text        NOT NULL,
    due    timestamptz NOT NULL,
    PRIMARY KEY (crisis, key)
);

CREATE INDEX timers_by_due ON tocsin.timers (due);
