-- Managing actors (tocsin_admin): a role, its seats, the organisations it
-- observes. Every change goes into the actor history (35_actor_history.sql):
-- seats and observers by the triggers on their tables, new actors here. These run as the owner, so they check their caller, the names they
-- are given, and that the role is no more than an actor (a superuser, the
-- schema's owner, a group role of tocsin's, a pg_ role, or a role that may
-- create roles, replicate or bypass row-level security is refused).

CREATE OR REPLACE FUNCTION tocsin.check_actor_names(p_role name, p_seats text[], p_observes text[]) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad text;
BEGIN
    IF p_role IS NULL OR p_role !~ '^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid actor name "%": letters, digits, _ . @ and -, at most 63', p_role
            USING ERRCODE = 'TC003';
    END IF;
    SELECT s INTO bad FROM unnest(p_seats) s
     WHERE s IS NULL OR s !~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid seat "%": a playbook role, optionally /PARTY (council/KZ)', bad USING ERRCODE = 'TC003';
    END IF;
    SELECT o INTO bad FROM unnest(p_observes) o WHERE o IS NULL OR o !~ '^[A-Za-z0-9_-]{1,32}$' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid organisation "%": letters, digits, _ and -, at most 32', bad USING ERRCODE = 'TC003';
    END IF;
    IF p_role IN ('tocsin_admin', 'tocsin_engine', 'tocsin_actor', 'tocsin_observer')
       OR p_role LIKE 'pg\_%'
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                   WHERE r.rolname = p_role AND (r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication))
       OR p_role = (SELECT n.nspowner::pg_catalog.regrole::pg_catalog.name
                      FROM pg_catalog.pg_namespace n WHERE n.nspname = 'tocsin') THEN
        RAISE EXCEPTION '% is not a role tocsin manages as an actor', p_role USING ERRCODE = 'TC005';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.actor_add(p_role name, p_seats text[], p_observes text[], p_login boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_created boolean := false;
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not manage actors (only tocsin_admin may)', tocsin.acting_role() USING ERRCODE = 'TC005';
    END IF;
    PERFORM tocsin.check_actor_names(p_role, p_seats, p_observes);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role) THEN
        EXECUTE format('CREATE ROLE %I %s', p_role, CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END);
        v_created := true;
        INSERT INTO tocsin.actor_history (kind, actor, detail)
        VALUES ('actor_added', p_role, jsonb_build_object('login', p_login));
    ELSIF p_login AND NOT (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname = p_role) THEN
        EXECUTE format('ALTER ROLE %I LOGIN', p_role);
        INSERT INTO tocsin.actor_history (kind, actor, detail) VALUES ('login_allowed', p_role, '{}');
    END IF;
    -- An actor with no seat yet may be given one, or act for another's by delegation; one that only
    -- observes is an observer alone.
    IF coalesce(array_length(p_seats, 1), 0) > 0 OR coalesce(array_length(p_observes, 1), 0) = 0 THEN
        EXECUTE format('GRANT tocsin_actor TO %I', p_role);
    END IF;
    IF coalesce(array_length(p_observes, 1), 0) > 0 THEN
        EXECUTE format('GRANT tocsin_observer TO %I', p_role);
    END IF;
    INSERT INTO tocsin.seats (actor, seat) SELECT p_role, unnest(p_seats) ON CONFLICT DO NOTHING;
    INSERT INTO tocsin.observers (actor, organisation) SELECT p_role, unnest(p_observes) ON CONFLICT DO NOTHING;
    RETURN v_created;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.actor_seat(p_role name, p_seat text, p_grant boolean) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not manage actors (only tocsin_admin may)', tocsin.acting_role() USING ERRCODE = 'TC005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role) THEN
        RAISE EXCEPTION 'no role %', p_role USING ERRCODE = 'TC004';
    END IF;
    IF p_grant THEN
        PERFORM tocsin.check_actor_names(p_role, ARRAY[p_seat], '{}');
        EXECUTE format('GRANT tocsin_actor TO %I', p_role);
        INSERT INTO tocsin.seats (actor, seat) VALUES (p_role, p_seat) ON CONFLICT DO NOTHING;
        RETURN true;
    END IF;
    DELETE FROM tocsin.seats WHERE actor = p_role AND seat = p_seat;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% holds no seat %', p_role, p_seat USING ERRCODE = 'TC004';
    END IF;
    RETURN true;
END
$$;

-- Every actor (with a seat or not: those actor_add made) and observer, with its seats and organisations.
CREATE OR REPLACE FUNCTION tocsin.actors()
RETURNS TABLE (actor name, login boolean, seats text[], observes text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
    SELECT a.actor, coalesce(r.rolcanlogin, false),
           coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM tocsin.seats s WHERE s.actor = a.actor), '{}'),
           coalesce((SELECT array_agg(o.organisation ORDER BY o.organisation) FROM tocsin.observers o
                      WHERE o.actor = a.actor), '{}')
      FROM (SELECT s.actor FROM tocsin.seats s UNION SELECT o.actor FROM tocsin.observers o
            UNION SELECT h.actor FROM tocsin.actor_history h
                   WHERE h.kind = 'actor_added' AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = h.actor)) a
      LEFT JOIN pg_catalog.pg_roles r ON r.rolname = a.actor
     ORDER BY a.actor
$$;
