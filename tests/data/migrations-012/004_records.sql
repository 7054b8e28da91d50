-- 004: the records of decisions: approval requests and every vote, escalation
-- steps, and action runs. Written by tocsin.commit() from the audit events of
-- each transition, in the same transaction; the audit stays the full story,
-- these tables answer "who voted what" and "which levels fired" directly.

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
