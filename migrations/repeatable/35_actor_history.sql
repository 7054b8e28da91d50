-- The actor history: who changed which actor, seat or observer, when, in a
-- sha256 hash chain of its own (docs/architecture.md, "The actor history").
--
-- Each change's hash is sha256(prev_hash || canonical text), as for a
-- crisis's audit (30_audit.sql), where the canonical text is PostgreSQL's
-- jsonb text form of
--   {seq, at, by, login, kind, actor, detail}
-- with `at` in UTC with microseconds. The first prev_hash is 64 zeros; the
-- head (last seq and hash) is kept in tocsin.actor_history_head, so a history
-- cut short at its end does not verify. Triggers on tocsin.seats and
-- tocsin.observers record every change whoever makes it (the functions of
-- 20_actors.sql, or an owner writing the tables directly); actor_add()
-- records the actors it creates.

CREATE OR REPLACE FUNCTION tocsin.actor_history_canonical(seq bigint, at timestamptz, changed_by text, login text,
                                                          kind text, actor text, detail jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('seq', seq, 'at', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                              'by', changed_by, 'login', login, 'kind', kind, 'actor', actor,
                              'detail', detail)::text
$$;

-- Links a change to the chain from the head, locked here: one writer at a time.
CREATE OR REPLACE FUNCTION tocsin.actor_history_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head record;
BEGIN
    SELECT h.seq, h.hash INTO head FROM tocsin.actor_history_head h FOR UPDATE;
    NEW.seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    NEW.at := clock_timestamp();
    NEW.changed_by := tocsin.acting_role();
    NEW.login := session_user;
    NEW.hash := tocsin.audit_hash(NEW.prev_hash,
                                  tocsin.actor_history_canonical(NEW.seq, NEW.at, NEW.changed_by, NEW.login,
                                                                 NEW.kind, NEW.actor, NEW.detail));
    UPDATE tocsin.actor_history_head SET seq = NEW.seq, hash = NEW.hash;
    RETURN NEW;
END
$$;

-- A seat or an observer given or taken, whoever wrote the table.
CREATE OR REPLACE FUNCTION tocsin.seats_history() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'seats' THEN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            INSERT INTO tocsin.actor_history (kind, actor, detail)
            VALUES ('seat_revoked', OLD.actor, jsonb_build_object('seat', OLD.seat));
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO tocsin.actor_history (kind, actor, detail)
            VALUES ('seat_granted', NEW.actor, jsonb_build_object('seat', NEW.seat));
        END IF;
    ELSE
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            INSERT INTO tocsin.actor_history (kind, actor, detail)
            VALUES ('observer_removed', OLD.actor, jsonb_build_object('organisation', OLD.organisation));
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO tocsin.actor_history (kind, actor, detail)
            VALUES ('observer_added', NEW.actor, jsonb_build_object('organisation', NEW.organisation));
        END IF;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS actor_history_chain ON tocsin.actor_history;
CREATE TRIGGER actor_history_chain BEFORE INSERT ON tocsin.actor_history
    FOR EACH ROW EXECUTE FUNCTION tocsin.actor_history_chain();
DROP TRIGGER IF EXISTS actor_history_immutable ON tocsin.actor_history;
CREATE TRIGGER actor_history_immutable BEFORE UPDATE OR DELETE ON tocsin.actor_history
    FOR EACH ROW EXECUTE FUNCTION tocsin.refuse_change();
DROP TRIGGER IF EXISTS actor_history_no_truncate ON tocsin.actor_history;
CREATE TRIGGER actor_history_no_truncate BEFORE TRUNCATE ON tocsin.actor_history
    FOR EACH STATEMENT EXECUTE FUNCTION tocsin.refuse_change();
DROP TRIGGER IF EXISTS seats_history ON tocsin.seats;
CREATE TRIGGER seats_history AFTER INSERT OR UPDATE OR DELETE ON tocsin.seats
    FOR EACH ROW EXECUTE FUNCTION tocsin.seats_history();
DROP TRIGGER IF EXISTS observers_history ON tocsin.observers;
CREATE TRIGGER observers_history AFTER INSERT OR UPDATE OR DELETE ON tocsin.observers
    FOR EACH ROW EXECUTE FUNCTION tocsin.seats_history();

-- Seats and observers as the history tells them, replayed: what each actor
-- holds after the last change recorded for it.
CREATE OR REPLACE FUNCTION tocsin.actor_history_holdings()
RETURNS TABLE (actor name, what text, held boolean)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT DISTINCT ON (h.actor, w.what) h.actor, w.what, h.kind IN ('seat_granted', 'observer_added')
      FROM tocsin.actor_history h,
           LATERAL (SELECT CASE WHEN h.kind LIKE 'seat%' THEN 'seat ' || (h.detail ->> 'seat')
                                ELSE 'observer of ' || (h.detail ->> 'organisation') END AS what) w
     WHERE h.kind IN ('seat_granted', 'seat_revoked', 'observer_added', 'observer_removed')
     ORDER BY h.actor, w.what, h.seq DESC
$$;

-- What is held now, as the history would say it (what actors() lists, for
-- anyone's `audit verify`: it runs as the owner, who reads the tables).
CREATE OR REPLACE FUNCTION tocsin.actor_holdings()
RETURNS TABLE (actor name, what text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
    SELECT s.actor, 'seat ' || s.seat FROM tocsin.seats s
    UNION ALL
    SELECT o.actor, 'observer of ' || o.organisation FROM tocsin.observers o
$$;

-- Seats and observers held before this history existed, or changed with its
-- triggers switched off, are recorded when migrate runs, as found
-- ("found": true), under the role that migrates; so are those the history
-- says are held but no longer are.
INSERT INTO tocsin.actor_history (kind, actor, detail)
SELECT CASE WHEN n.what LIKE 'seat %' THEN 'seat_granted' ELSE 'observer_added' END, n.actor,
       CASE WHEN n.what LIKE 'seat %' THEN jsonb_build_object('seat', substr(n.what, 6), 'found', true)
            ELSE jsonb_build_object('organisation', substr(n.what, 13), 'found', true) END
  FROM tocsin.actor_holdings() n
 WHERE NOT EXISTS (SELECT 1 FROM tocsin.actor_history_holdings() h
                    WHERE h.actor = n.actor AND h.what = n.what AND h.held)
 ORDER BY n.actor, n.what;
INSERT INTO tocsin.actor_history (kind, actor, detail)
SELECT CASE WHEN h.what LIKE 'seat %' THEN 'seat_revoked' ELSE 'observer_removed' END, h.actor,
       CASE WHEN h.what LIKE 'seat %' THEN jsonb_build_object('seat', substr(h.what, 6), 'found', true)
            ELSE jsonb_build_object('organisation', substr(h.what, 13), 'found', true) END
  FROM tocsin.actor_history_holdings() h
 WHERE h.held AND NOT EXISTS (SELECT 1 FROM tocsin.actor_holdings() n WHERE n.actor = h.actor AND n.what = h.what)
 ORDER BY h.actor, h.what;

-- Recomputes the chain and returns its first change whose stored prev_hash
-- or hash is not what the changes before it give ('edited'); or, when the
-- chain holds, a head that it does not end at ('truncated' or
-- 'head_mismatch', as audit_verify); and then every seat or observer held
-- that the history does not show as held, or the reverse ('unrecorded':
-- expected what the history says, stored what is so, seq 0).
CREATE OR REPLACE FUNCTION tocsin.actor_history_verify()
RETURNS TABLE (seq bigint, expected text, stored text, problem text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e record;
    prev text := repeat('0', 64);
    want text;
    last_seq bigint := 0;
    head record;
BEGIN
    FOR e IN SELECT * FROM tocsin.actor_history h ORDER BY h.seq LOOP
        want := tocsin.audit_hash(prev, tocsin.actor_history_canonical(e.seq, e.at, e.changed_by, e.login, e.kind,
                                                                       e.actor, e.detail));
        IF e.prev_hash <> prev OR e.hash <> want OR e.seq <> last_seq + 1 THEN
            seq := e.seq;
            expected := want;
            stored := e.hash;
            problem := 'edited';
            RETURN NEXT;
            RETURN;
        END IF;
        prev := e.hash;
        last_seq := e.seq;
    END LOOP;
    SELECT h.seq, h.hash INTO head FROM tocsin.actor_history_head h;
    IF head.seq IS DISTINCT FROM last_seq OR (last_seq > 0 AND head.hash IS DISTINCT FROM prev) THEN
        seq := head.seq;
        expected := head.hash;
        stored := CASE WHEN last_seq = 0 THEN '' ELSE prev END;
        problem := CASE WHEN last_seq < head.seq THEN 'truncated' ELSE 'head_mismatch' END;
        RETURN NEXT;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT 0::bigint, format('%s %s', coalesce(h.actor, n.actor), CASE WHEN h.held THEN 'holds ' ELSE 'does not hold ' END
                                     || coalesce(h.what, n.what)),
           format('%s %s', coalesce(h.actor, n.actor), CASE WHEN n.actor IS NULL THEN 'does not hold ' ELSE 'holds ' END
                                     || coalesce(h.what, n.what)),
           'unrecorded'
      FROM (SELECT * FROM tocsin.actor_history_holdings() x WHERE x.held) h
      FULL JOIN tocsin.actor_holdings() n ON n.actor = h.actor AND n.what = h.what
     WHERE h.actor IS NULL OR n.actor IS NULL
     ORDER BY 2;
END
$$;
