-- The audit log: one sha256 hash chain per crisis, and the refusals that keep
-- append-only tables append-only.
--
-- Each event's hash is sha256(prev_hash || canonical text), where the
-- canonical text is PostgreSQL's jsonb text form of
--   {seq, crisis, at, actor, login, kind, state, detail}
-- (and signature, for a signed event)
-- with `at` in UTC with microseconds ("2026-11-27T10:00:00.000000Z"). The
-- first prev_hash of a crisis is 64 zeros. The hash is computed in the
-- transaction that writes the event. The crisis row records the seq and hash
-- of its chain's last event (audit_seq, audit_hash), written with the event,
-- so that a chain cut short at its end does not verify.

-- Append-only tables refuse UPDATE and DELETE whoever asks (grants say the same).
CREATE OR REPLACE FUNCTION tocsin.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'TC005';
END
$$;

-- An event that carries a signature (docs/signatures.md) has it in its
-- canonical text too: {..., detail, signature}; one without has no such key,
-- so the events written before signatures existed keep their hashes.
DROP FUNCTION IF EXISTS tocsin.audit_canonical(bigint, bigint, timestamptz, text, text, text, text, jsonb);
CREATE OR REPLACE FUNCTION tocsin.audit_canonical(seq bigint, crisis bigint, at timestamptz, actor text, login text,
                                       kind text, state text, detail jsonb, signature jsonb DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT (jsonb_build_object('seq', seq, 'crisis', crisis,
                               'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                               'actor', actor, 'login', login, 'kind', kind, 'state', state,
                               'detail', detail)
            || CASE WHEN signature IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('signature', signature) END)::text
$$;

CREATE OR REPLACE FUNCTION tocsin.audit_hash(prev_hash text, canonical text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(prev_hash || canonical, 'UTF8')), 'hex')
$$;

-- Links an event inserted without its links (seq, prev_hash, hash) to its
-- chain: from the head recorded on its crisis row, locked here, so one writer
-- per crisis chains at a time even outside the engine; the head moves with it.
-- commit_batch computes its events' links itself, for a whole batch at once,
-- and writes the heads with the state; this trigger does not fire for them
-- (WHEN hash IS NULL). Only the schema's owner may insert into the audit, and
-- a row whose links are wrong is what audit_verify reports.
CREATE OR REPLACE FUNCTION tocsin.audit_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head record;
BEGIN
    SELECT c.audit_seq, c.audit_hash INTO head FROM tocsin.crises c WHERE c.id = NEW.crisis FOR NO KEY UPDATE;
    NEW.seq := coalesce(head.audit_seq, 0) + 1;
    NEW.prev_hash := coalesce(head.audit_hash, repeat('0', 64));
    NEW.hash := tocsin.audit_hash(NEW.prev_hash,
                                  tocsin.audit_canonical(NEW.seq, NEW.crisis, NEW.at, NEW.actor, NEW.login,
                                                         NEW.kind, NEW.state, NEW.detail, NEW.signature));
    UPDATE tocsin.crises SET audit_seq = NEW.seq, audit_hash = NEW.hash WHERE id = NEW.crisis;
    RETURN NEW;
END
$$;

-- The statement-level trigger that kept the heads before commit_batch wrote them itself.
DROP TRIGGER IF EXISTS audit_anchor ON tocsin.audit;
DROP FUNCTION IF EXISTS tocsin.audit_anchor();

-- Recomputes the chains (of one crisis, or all) and returns, for each broken
-- one, its first event whose stored prev_hash or hash is not what the events
-- before it give (problem 'edited'); or, for a chain that holds but does not
-- end at the head its crisis records, that head: 'truncated' when the chain
-- ends before it, 'head_mismatch' otherwise (events appended without it); seq
-- and expected are then the recorded head, stored the hash the chain ends
-- with ('' when no event is left).
CREATE OR REPLACE FUNCTION tocsin.audit_verify(only_crisis bigint DEFAULT NULL)
RETURNS TABLE (crisis bigint, seq bigint, expected text, stored text, problem text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e record;
    current_crisis bigint := NULL;
    prev text;
    want text;
    broken boolean := false;
    edited bigint[] := '{}';
BEGIN
    FOR e IN SELECT * FROM tocsin.audit a
             WHERE only_crisis IS NULL OR a.crisis = only_crisis
             ORDER BY a.crisis, a.seq
    LOOP
        IF current_crisis IS DISTINCT FROM e.crisis THEN
            current_crisis := e.crisis;
            prev := repeat('0', 64);
            broken := false;
        END IF;
        CONTINUE WHEN broken;
        want := tocsin.audit_hash(prev, tocsin.audit_canonical(e.seq, e.crisis, e.at, e.actor, e.login, e.kind,
                                                               e.state, e.detail, e.signature));
        IF e.prev_hash <> prev OR e.hash <> want THEN
            crisis := e.crisis;
            seq := e.seq;
            expected := want;
            stored := e.hash;
            problem := 'edited';
            broken := true;
            edited := edited || e.crisis;
            RETURN NEXT;
        END IF;
        prev := e.hash;
    END LOOP;
    RETURN QUERY
    SELECT c.id, c.audit_seq, c.audit_hash, coalesce(h.hash, ''),
           CASE WHEN coalesce(h.seq, 0) < c.audit_seq THEN 'truncated' ELSE 'head_mismatch' END
      FROM tocsin.crises c
      LEFT JOIN LATERAL (SELECT a.seq, a.hash FROM tocsin.audit a WHERE a.crisis = c.id
                          ORDER BY a.seq DESC LIMIT 1) h ON true
     WHERE (only_crisis IS NULL OR c.id = only_crisis)
       AND c.id <> ALL (edited)
       AND (coalesce(h.seq, 0) <> c.audit_seq OR h.hash IS DISTINCT FROM c.audit_hash)
     ORDER BY c.id;
END
$$;

DROP TRIGGER IF EXISTS playbooks_immutable ON tocsin.playbooks;
CREATE TRIGGER playbooks_immutable BEFORE UPDATE OR DELETE ON tocsin.playbooks
    FOR EACH ROW EXECUTE FUNCTION tocsin.refuse_change();
DROP TRIGGER IF EXISTS audit_chain ON tocsin.audit;
CREATE TRIGGER audit_chain BEFORE INSERT ON tocsin.audit
    FOR EACH ROW WHEN (NEW.hash IS NULL) EXECUTE FUNCTION tocsin.audit_chain();
DROP TRIGGER IF EXISTS audit_immutable ON tocsin.audit;
CREATE TRIGGER audit_immutable BEFORE UPDATE OR DELETE ON tocsin.audit
    FOR EACH ROW EXECUTE FUNCTION tocsin.refuse_change();
DROP TRIGGER IF EXISTS audit_no_truncate ON tocsin.audit;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON tocsin.audit
    FOR EACH STATEMENT EXECUTE FUNCTION tocsin.refuse_change();
