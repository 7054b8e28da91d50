-- Amending a crisis (issue 19): a command of its own kind. The initiator or an
-- administrator corrects inputs of an active crisis; the engine applies it,
-- audits `amended` with the old and new values, and commit_batch writes the
-- crisis's inputs from its state (repeatable/60_engine.sql).
ALTER TABLE tocsin.commands DROP CONSTRAINT commands_kind_check;
ALTER TABLE tocsin.commands ADD CONSTRAINT commands_kind_check
    CHECK (kind IN ('trigger', 'vote', 'complete', 'ack', 'escalate', 'cancel', 'amend'));
