-- 005: the audit log, one sha256 hash chain per crisis.
--
-- Each event's hash is sha256(prev_hash || canonical text), where the
-- canonical text is PostgreSQL's jsonb text form of
--   {seq, crisis, at, actor, login, kind, state, detail}
-- with `at` in UTC with microseconds ("2026-11-27T10:00:00.000000Z"). The
-- first prev_hash of a crisis is 64 zeros. The hash is computed here, in the
-- transaction that writes the event; UPDATE, DELETE and TRUNCATE are refused.
-- A chain per crisis, not one for the whole log, avoids a global hot spot.

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

CREATE FUNCTION tocsin.audit_canonical(seq bigint, crisis bigint, at timestamptz, actor text, login text,
                                       kind text, state text, detail jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('seq', seq, 'crisis', crisis,
                              'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                              'actor', actor, 'login', login, 'kind', kind, 'state', state,
                              'detail', detail)::text
$$;

CREATE FUNCTION tocsin.audit_hash(prev_hash text, canonical text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(prev_hash || canonical, 'UTF8')), 'hex')
$$;

CREATE FUNCTION tocsin.audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last record;
BEGIN
    -- One writer per crisis: the row lock serialises chains even outside the engine.
    PERFORM 1 FROM tocsin.crises WHERE id = NEW.crisis FOR NO KEY UPDATE;
    SELECT a.seq, a.hash INTO last FROM tocsin.audit a WHERE a.crisis = NEW.crisis ORDER BY a.seq DESC LIMIT 1;
    NEW.seq := coalesce(last.seq, 0) + 1;
    NEW.prev_hash := coalesce(last.hash, repeat('0', 64));
    NEW.hash := tocsin.audit_hash(NEW.prev_hash,
                                  tocsin.audit_canonical(NEW.seq, NEW.crisis, NEW.at, NEW.actor, NEW.login,
                                                         NEW.kind, NEW.state, NEW.detail));
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_chain BEFORE INSERT ON tocsin.audit
    FOR EACH ROW EXECUTE FUNCTION tocsin.audit_chain();
CREATE TRIGGER audit_immutable BEFORE UPDATE OR DELETE ON tocsin.audit
    FOR EACH ROW EXECUTE FUNCTION tocsin.refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON tocsin.audit
    FOR EACH STATEMENT EXECUTE FUNCTION tocsin.refuse_change();

-- Recomputes the chains (of one crisis, or all) and returns the first broken
-- event of each broken chain: where the stored prev_hash or hash is not what
-- the events before it give.
CREATE FUNCTION tocsin.audit_verify(only_crisis bigint DEFAULT NULL)
RETURNS TABLE (crisis bigint, seq bigint, expected text, stored text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    e record;
    current_crisis bigint := NULL;
    prev text;
    want text;
    broken boolean := false;
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
                                                               e.state, e.detail));
        IF e.prev_hash <> prev OR e.hash <> want THEN
            crisis := e.crisis;
            seq := e.seq;
            expected := want;
            stored := e.hash;
            broken := true;
            RETURN NEXT;
        END IF;
        prev := e.hash;
    END LOOP;
END
$$;
