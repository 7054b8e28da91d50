-- 011: crises set aside, where operators can see them.
--
-- An engine sets aside a crisis whose transition fails every time (010): its
-- commands wait, and until now only the engine's log said why. Each time an
-- engine sets a crisis aside it records it here: which engine, the reason,
-- how many times so far, since and until when, and the crisis's revision
-- then. The record holds while the crisis stays at that revision: the next
-- write of the crisis (its transition applied at last) raises the revision
-- and leaves the record stale, so the engine's hot path writes nothing for
-- it. `tocsin show`, and a command that waits in vain, read the record
-- joined on the revision, so that "pending" comes with its reason.
--
-- The record is what operators see; it does not steer the claims (the
-- engine that set the crisis aside passes over it from its own memory, 010),
-- so the claims read nothing more. Another engine, or one restarted, tries
-- the crisis at once and, if it fails again, sets it aside itself.

CREATE TABLE tocsin.set_aside (
    crisis   bigint      PRIMARY KEY REFERENCES tocsin.crises (id),
    revision bigint      NOT NULL,
    engine   text        NOT NULL,
    reason   text        NOT NULL,
    failures integer     NOT NULL DEFAULT 1,
    since    timestamptz NOT NULL DEFAULT clock_timestamp(),
    until    timestamptz NOT NULL
);

REVOKE ALL ON tocsin.set_aside FROM PUBLIC;
GRANT SELECT ON tocsin.set_aside TO tocsin_actor, tocsin_observer, tocsin_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON tocsin.set_aside TO tocsin_engine;

ALTER TABLE tocsin.set_aside ENABLE ROW LEVEL SECURITY;
CREATE POLICY set_aside_read ON tocsin.set_aside FOR SELECT USING (tocsin.may_read(tocsin.acting_role(), crisis));
CREATE POLICY set_aside_engine ON tocsin.set_aside FOR ALL TO tocsin_engine USING (true) WITH CHECK (true);
