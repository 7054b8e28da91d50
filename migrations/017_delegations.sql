-- 017: delegations and the actor history (issue 19; docs/architecture.md,
-- "Delegation" and "The actor history").
--
-- A delegation lets another role act for a seat in one crisis, from the
-- `delegate` command that granted it until the `undelegate` that revoked it,
-- its end time, or the crisis's close. The commands are recorded like every
-- other (kinds `delegate`, `undelegate`) and the engine audits them in the
-- crisis's chain; the row here is what submit() and take() read, written by
-- submit() in the same transaction as the command. granted_seq and
-- revoked_seq are the seqs of those commands: a command counts the delegation
-- when granted_seq < its seq <= revoked_seq, which is the order the engine
-- applies them in.
ALTER TABLE tocsin.commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE tocsin.commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('trigger', 'vote', 'complete', 'ack', 'escalate', 'cancel', 'amend', 'delegate', 'undelegate'));

CREATE TABLE tocsin.delegations (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crisis      bigint      NOT NULL REFERENCES tocsin.crises (id),
    seat        text        NOT NULL CHECK (seat ~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$'),
    holder      name        NOT NULL, -- who holds the seat and delegated it
    delegate    name        NOT NULL,
    until       timestamptz,          -- NULL: until the crisis closes
    reason      text        NOT NULL,
    granted_seq bigint      NOT NULL,
    granted_at  timestamptz NOT NULL,
    revoked_seq bigint,
    revoked_by  name,
    revoked_at  timestamptz,
    CHECK (holder <> delegate),
    CHECK (until IS NULL OR until > granted_at)
);

-- One delegation of a seat in force per crisis (one that has merely expired is
-- closed by the next delegate of the seat).
CREATE UNIQUE INDEX delegations_in_force ON tocsin.delegations (crisis, seat) WHERE revoked_seq IS NULL;
CREATE INDEX delegations_by_delegate ON tocsin.delegations (delegate, crisis);

-- A vote cast by a delegate names the seat's holder too.
ALTER TABLE tocsin.votes ADD COLUMN holder name;

-- The actor history: every change of a seat or an observer (and of the
-- actors themselves) with who made it, when and from which login, in one
-- sha256 hash chain of its own, kept by triggers on tocsin.seats and
-- tocsin.observers whoever writes them (repeatable/25_actor_history.sql).
-- The head (the last seq and hash) is kept beside it so that a history cut
-- short at its end does not verify.
CREATE TABLE tocsin.actor_history (
    seq       bigint      PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    changed_by name       NOT NULL,
    login     name        NOT NULL,
    kind      text        NOT NULL CHECK (kind IN ('actor_added', 'login_allowed', 'seat_granted', 'seat_revoked',
                                                   'observer_added', 'observer_removed')),
    actor     name        NOT NULL,
    detail    jsonb       NOT NULL DEFAULT '{}',
    prev_hash text        NOT NULL,
    hash      text        NOT NULL
);

CREATE TABLE tocsin.actor_history_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint  NOT NULL,
    hash text    NOT NULL
);

INSERT INTO tocsin.actor_history_head (seq, hash) VALUES (0, repeat('0', 64));
