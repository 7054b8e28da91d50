-- 012: the baseline: the tables of migrations 001 to 012, as they stood.
--
-- tocsin had no release when its first twelve migrations were folded into
-- this one (issue 16): a new database runs this file alone, and a database
-- that recorded those twelve files (the lines below name each with the
-- sha256 migrate recorded) counts it as applied. A database that recorded
-- only some of them stopped before the baseline and is refused.
--
-- Versioned migrations (this and the next NNN_*.sql) hold tables, indexes,
-- constraints and the changes of data that go with them; functions,
-- triggers, policies and privileges are in repeatable/, which migrate runs
-- again whenever one of them changes (docs/architecture.md, "Migrations").
-- tocsin:folds 001_init.sql b9e7f71966b38d552d4164b8b4495ee913abf4a44b70351d418957146e2228f2
-- tocsin:folds 002_playbooks.sql a08b0bfb279347307feb02de9d413c6f9d5a2385a98303d7f2c15f52e2a48150
-- tocsin:folds 003_crises.sql b25792cbd2d72086cc450992e2dbdf4624338e4872db860c34404830afef3c63
-- tocsin:folds 004_records.sql c19c7779bd78bca54a6616c45406f54e7f24758972e3fe786e09726592cc88ad
-- tocsin:folds 005_audit.sql 5701c46c2e78d1c2c4bd1c36a6258bbc2fbbf100bd8a2b6c32a991a078e80501
-- tocsin:folds 006_api.sql e3bace762f5a5caf224d943a588e1ed50590a0f4959f877359b331aaa58bdb56
-- tocsin:folds 007_seats.sql 7e5a980b0f10d496fc6d715e94f5af48323b941175e19abdbb16cc5fa2b08a5b
-- tocsin:folds 008_security.sql d6ab814d7b90077e69186d45f2dae8efa30afcb7ac9e5a15d70b15c052e0dff1
-- tocsin:folds 009_batch.sql 6f62b7b7ff94a125bd269b463efea73a1ced9fbb85f6422e0a741cfb8a6b6a35
-- tocsin:folds 010_set_aside.sql eff1c34255bc9157e04a96241c004680cb315b8a0c38b3700037abf634052ed7
-- tocsin:folds 011_set_aside_seen.sql ab5cdf4b4071c585acd9fb1d02f074e882ab84ce27ddc33ea97357c098ef6f32
-- tocsin:folds 012_notify_after_commit.sql 359363e9452cd1f193a07207798f543ca7d02c1f6db1cfaf704a98e4d3d9c1dc

COMMENT ON SCHEMA tocsin IS
  'tocsin: crisis-response workflows, their approvals, escalations and audit';

COMMENT ON TABLE tocsin.schema_migrations IS
  'migrations applied by tocsin migrate: number, file name and sha256 of the file';

-- The group roles (docs/security.md); roles belong to the cluster, so another database may have made them.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['tocsin_admin', 'tocsin_engine', 'tocsin_actor', 'tocsin_observer'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

-- Playbook versions, immutable. A playbook is stored once per distinct
-- content: loading the same JSON (compared as jsonb, so key order and spacing
-- do not matter) again gives the same version; changed content is the next
-- version. Crises are pinned to a version. `source` keeps the text as the
-- author wrote it (jsonb reorders keys), which is what the engine compiles.
CREATE TABLE tocsin.playbooks (
    name      text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    version   integer     NOT NULL CHECK (version > 0),
    content   jsonb       NOT NULL,
    source    text        NOT NULL,
    sha256    text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    loaded_by name        NOT NULL DEFAULT current_user,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version),
    UNIQUE (name, sha256)
);

COMMENT ON TABLE tocsin.playbooks IS
  'playbook versions: content as jsonb, sha256 of its jsonb text, who loaded it; never changed';

-- Crises, the inbox of commands, and timers. The crisis row is the unit of
-- work: an engine locks it to apply the crisis's pending commands and due
-- timers, so one crisis is never applied by two engines at once. `state`
-- holds the state machine's instance (tc_instance as JSON), NULL until the
-- trigger is applied; the other columns mirror it for listing and filtering.
-- `revision` guards every write of `state`. Every table is keyed by crisis
-- first, so the schema can be distributed by crisis.
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
CREATE INDEX commands_pending_by_seq ON tocsin.commands (seq) WHERE applied_at IS NULL;

-- Deadlines, escalation levels, waits, action timeouts and retries, by due time.
-- Millions of them cost index entries, not engine memory.
CREATE TABLE tocsin.timers (
    crisis bigint      NOT NULL REFERENCES tocsin.crises (id),
    key    text        NOT NULL,
    due    timestamptz NOT NULL,
    PRIMARY KEY (crisis, key)
);

CREATE INDEX timers_by_due ON tocsin.timers (due);

-- The records of decisions, written by commit_batch() from the audit events of
-- each transition, in the same transaction: the audit stays the full story,
-- these answer "who voted what" and "which levels fired" directly.
CREATE TABLE tocsin.approvals (
    crisis    bigint      NOT NULL REFERENCES tocsin.crises (id),
    state     text        NOT NULL,
    visit     integer     NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    outcome   text,
    tally     jsonb,
    PRIMARY KEY (crisis, state, visit)
);

CREATE TABLE tocsin.votes (
    crisis bigint      NOT NULL REFERENCES tocsin.crises (id),
    seq    bigint      GENERATED ALWAYS AS IDENTITY,
    state  text        NOT NULL,
    party  text,
    vote   text        NOT NULL CHECK (vote IN ('approve', 'reject', 'abstain')),
    actor  name        NOT NULL,
    reason text,
    at     timestamptz NOT NULL,
    PRIMARY KEY (crisis, seq)
);

CREATE TABLE tocsin.escalations (
    crisis bigint      NOT NULL REFERENCES tocsin.crises (id),
    seq    bigint      GENERATED ALWAYS AS IDENTITY,
    state  text        NOT NULL,
    level  integer     NOT NULL,
    manual boolean     NOT NULL,
    actor  name,
    detail jsonb       NOT NULL,
    at     timestamptz NOT NULL,
    PRIMARY KEY (crisis, seq)
);

CREATE TABLE tocsin.action_runs (
    crisis      bigint      NOT NULL REFERENCES tocsin.crises (id),
    action_key  text        NOT NULL,
    attempt     integer     NOT NULL,
    state       text        NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    outcome     text,
    exit_status integer,
    duration_ms bigint,
    output_tail text,
    PRIMARY KEY (crisis, action_key, attempt)
);

-- The audit log, one sha256 hash chain per crisis (repeatable/20_audit.sql
-- computes and verifies it; docs/architecture.md gives the recipe).
CREATE TABLE tocsin.audit (
    crisis    bigint      NOT NULL REFERENCES tocsin.crises (id),
    seq       bigint      NOT NULL,
    at        timestamptz NOT NULL,
    actor     name        NOT NULL DEFAULT current_user,
    login     name        NOT NULL DEFAULT session_user,
    kind      text        NOT NULL,
    state     text,
    detail    jsonb       NOT NULL DEFAULT '{}',
    prev_hash text        NOT NULL,
    hash      text        NOT NULL,
    PRIMARY KEY (crisis, seq)
);

-- Seats and observers: which PostgreSQL roles act for which playbook roles and
-- parties ("council/KZ", "secretariat"), and which organisations a role observes.
CREATE TABLE tocsin.seats (
    actor name NOT NULL,
    seat  text NOT NULL CHECK (seat ~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$'),
    PRIMARY KEY (actor, seat)
);

CREATE TABLE tocsin.observers (
    actor        name NOT NULL,
    organisation text NOT NULL CHECK (organisation ~ '^[A-Za-z0-9_-]{1,32}$'),
    PRIMARY KEY (actor, organisation)
);

-- Crises an engine has set aside because their transition fails every time,
-- where operators see them; the record holds while the crisis stays at
-- that revision.
CREATE TABLE tocsin.set_aside (
    crisis   bigint      PRIMARY KEY REFERENCES tocsin.crises (id),
    revision bigint      NOT NULL,
    engine   text        NOT NULL,
    reason   text        NOT NULL,
    failures integer     NOT NULL DEFAULT 1,
    since    timestamptz NOT NULL DEFAULT clock_timestamp(),
    until    timestamptz NOT NULL
);

-- Row-level security on every table keyed by crisis (the policies are in repeatable/).
ALTER TABLE tocsin.crises ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.commands ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.votes ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.escalations ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.action_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.timers ENABLE ROW LEVEL SECURITY;
ALTER TABLE tocsin.set_aside ENABLE ROW LEVEL SECURITY;
