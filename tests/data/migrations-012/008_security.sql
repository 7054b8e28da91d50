-- 008: who may do what, enforced here rather than by the client.
--
-- Group roles: tocsin_admin (loads playbooks, manages actors, triggers and
-- cancels anything), tocsin_engine (applies), tocsin_actor (submits and
-- reads), tocsin_observer (reads what it observes). Actors and observers get
-- no write privilege on any table: they act through SECURITY DEFINER
-- functions that check, inside the database, that the acting role holds the
-- seat a command needs. Row-level security limits what each role reads.
--
-- The acting role inside a SECURITY DEFINER function: current_user is then
-- the function's owner, so the caller is the role of `SET ROLE` (what `--as`
-- does, and PostgreSQL allows only to members) or else the login role.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['tocsin_admin', 'tocsin_engine', 'tocsin_actor', 'tocsin_observer'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

CREATE FUNCTION tocsin.acting_role() RETURNS name
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('role'), 'none'), session_user)::name
$$;

-- Whether a role may administer tocsin: a superuser, the schema's owner, or a member of tocsin_admin.
-- Whether p_role is a member of group (false for a role that no longer exists, rather than an error).
CREATE FUNCTION tocsin.member_of(p_role name, p_group name) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role)
                THEN pg_has_role(p_role, p_group, 'MEMBER') ELSE false END
$$;

CREATE FUNCTION tocsin.is_admin(p_role name) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = p_role), false)
        OR p_role = (SELECT n.nspowner::regrole::name FROM pg_namespace n WHERE n.nspname = 'tocsin')
        OR tocsin.member_of(p_role, 'tocsin_admin')
$$;

CREATE OR REPLACE FUNCTION tocsin.actor(p_role name)
RETURNS TABLE (seats text[], admin boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
    SELECT coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM tocsin.seats s WHERE s.actor = p_role), '{}'),
           tocsin.is_admin(p_role)
$$;

-- A state of a playbook by its path; paths of nested states go through
-- branches: "operate/border/patrol".
CREATE FUNCTION tocsin.state_node(p_content jsonb, p_path text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    parts text[] := string_to_array(p_path, '/');
    node jsonb := p_content -> 'states' -> parts[1];
    i integer := 1;
BEGIN
    WHILE node IS NOT NULL AND i + 2 <= array_length(parts, 1) LOOP
        node := node -> 'branches' -> parts[i + 1] -> 'states' -> parts[i + 2];
        i := i + 2;
    END LOOP;
    RETURN node;
END
$$;

-- The playbook role a state acts through: a task's assignee or an approval's approvers' role.
CREATE FUNCTION tocsin.state_role(p_content jsonb, p_path text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(n ->> 'assignee', n -> 'approvers' ->> 'role')
      FROM (SELECT tocsin.state_node(p_content, p_path) AS n) s
$$;

-- Whether p_role holds a seat of one of the playbook's roles (any party), or of those listed.
CREATE FUNCTION tocsin.holds_role_of(p_role name, p_content jsonb, p_listed jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM tocsin.seats s
         WHERE s.actor = p_role
           AND split_part(s.seat, '/', 1) IN (SELECT jsonb_array_elements_text(p_listed)
                                              UNION ALL
                                              SELECT jsonb_object_keys(p_content -> 'roles') WHERE p_listed IS NULL))
$$;

CREATE OR REPLACE FUNCTION tocsin.trigger(p_playbook text, p_title text, p_severity text, p_mode text,
                                          p_parties text[], p_inputs jsonb, p_key text)
RETURNS TABLE (id bigint, version integer, duplicate boolean, command bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
#variable_conflict use_column
DECLARE
    v_actor name := tocsin.acting_role();
    v_version integer;
    v_title text;
    v_content jsonb;
    v_id bigint;
    v_seq bigint;
    v_args jsonb := jsonb_build_object('title', p_title, 'severity', p_severity, 'mode', p_mode,
                                       'parties', to_jsonb(p_parties), 'inputs', p_inputs);
    v_old jsonb;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT c.id, c.version, k.args, k.seq INTO v_id, v_version, v_old, v_seq
          FROM tocsin.crises c JOIN tocsin.commands k ON k.crisis = c.id AND k.kind = 'trigger'
         WHERE c.initiator = v_actor AND c.playbook = p_playbook AND c.trigger_key = p_key;
        IF FOUND THEN
            IF v_old IS DISTINCT FROM v_args THEN
                RAISE EXCEPTION 'idempotency key % was used for a different trigger (crisis %)', p_key, v_id
                    USING ERRCODE = 'TC006';
            END IF;
            RETURN QUERY SELECT v_id, v_version, true, v_seq;
            RETURN;
        END IF;
    END IF;
    SELECT p.version, p.content ->> 'title', p.content INTO v_version, v_title, v_content
      FROM tocsin.playbooks p WHERE p.name = p_playbook ORDER BY p.version DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no playbook %', p_playbook USING ERRCODE = 'TC004';
    END IF;
    IF NOT tocsin.is_admin(v_actor)
       AND NOT tocsin.holds_role_of(v_actor, v_content, v_content -> 'permissions' -> 'trigger') THEN
        RAISE EXCEPTION '% may not trigger playbook % (it holds no seat of %)', v_actor, p_playbook,
            coalesce((SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(v_content -> 'permissions' -> 'trigger') x),
                     'its roles')
            USING ERRCODE = 'TC005';
    END IF;
    INSERT INTO tocsin.crises (playbook, version, title, severity, mode, parties, initiator, inputs, trigger_key)
    VALUES (p_playbook, v_version, coalesce(p_title, v_title), coalesce(p_severity, 'unknown'),
            coalesce(p_mode, 'actual'), p_parties, v_actor, coalesce(p_inputs, '{}'), p_key)
    RETURNING crises.id INTO v_id;
    INSERT INTO tocsin.commands (crisis, kind, actor, login, args, idem_key)
    VALUES (v_id, 'trigger', v_actor, session_user, v_args, p_key)
    RETURNING commands.seq INTO v_seq;
    PERFORM pg_notify('tocsin_work', '');
    RETURN QUERY SELECT v_id, v_version, false, v_seq;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.submit(p_crisis bigint, p_kind text, p_args jsonb, p_key text)
RETURNS TABLE (seq bigint, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
#variable_conflict use_column
DECLARE
    v_actor name := tocsin.acting_role();
    v_crisis record;
    v_seq bigint;
    v_kind text;
    v_args jsonb;
    v_role text;
    v_seat text;
BEGIN
    SELECT c.status, c.initiator, c.state, p.content INTO v_crisis
      FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version
     WHERE c.id = p_crisis;
    IF NOT FOUND OR NOT tocsin.may_read(v_actor, p_crisis) THEN
        RAISE EXCEPTION 'no crisis %', p_crisis USING ERRCODE = 'TC004';
    END IF;
    IF p_key IS NOT NULL THEN
        SELECT k.seq, k.kind, k.args INTO v_seq, v_kind, v_args
          FROM tocsin.commands k WHERE k.crisis = p_crisis AND k.actor = v_actor AND k.idem_key = p_key;
        IF FOUND THEN
            IF v_kind <> p_kind OR v_args IS DISTINCT FROM coalesce(p_args, '{}') THEN
                RAISE EXCEPTION 'idempotency key % was used for a different command on crisis %', p_key, p_crisis
                    USING ERRCODE = 'TC006';
            END IF;
            RETURN QUERY SELECT v_seq, true;
            RETURN;
        END IF;
    END IF;
    IF v_crisis.status <> 'active' THEN
        RAISE EXCEPTION 'crisis % is %', p_crisis, v_crisis.status USING ERRCODE = 'TC006';
    END IF;

    -- The seat the command needs (votes, completions, acknowledgements), or the permission (escalate, cancel).
    IF p_kind IN ('vote', 'complete', 'ack') THEN
        IF p_args ->> 'state' IS NULL THEN
            RAISE EXCEPTION 'a % must name its state', p_kind USING ERRCODE = 'TC003';
        END IF;
        v_role := tocsin.state_role(v_crisis.content, p_args ->> 'state');
        IF v_role IS NULL THEN
            RAISE EXCEPTION 'no state % in the crisis''s playbook', p_args ->> 'state' USING ERRCODE = 'TC004';
        END IF;
        v_seat := v_role || coalesce('/' || (p_args ->> 'party'), '');
        IF NOT EXISTS (SELECT 1 FROM tocsin.seats s WHERE s.actor = v_actor AND s.seat = v_seat) THEN
            RAISE EXCEPTION '% holds no seat %', v_actor, v_seat USING ERRCODE = 'TC005';
        END IF;
        IF p_kind = 'vote' AND v_actor = v_crisis.initiator
           AND coalesce((tocsin.state_node(v_crisis.content, p_args ->> 'state') ->> 'exclude_initiator')::boolean, false) THEN
            RAISE EXCEPTION '% triggered crisis % and may not vote on %', v_actor, p_crisis, p_args ->> 'state'
                USING ERRCODE = 'TC005';
        END IF;
    ELSIF p_kind = 'escalate' AND NOT tocsin.is_admin(v_actor) THEN
        IF v_crisis.content -> 'permissions' ? 'escalate' THEN
            IF NOT tocsin.holds_role_of(v_actor, v_crisis.content, v_crisis.content -> 'permissions' -> 'escalate') THEN
                RAISE EXCEPTION '% may not escalate crisis % (the playbook names who may)', v_actor, p_crisis
                    USING ERRCODE = 'TC005';
            END IF;
        ELSIF v_actor <> v_crisis.initiator AND NOT EXISTS (
                SELECT 1 FROM tocsin.seats s, jsonb_array_elements(v_crisis.state -> 'active') a
                 WHERE s.actor = v_actor
                   AND split_part(s.seat, '/', 1) = tocsin.state_role(v_crisis.content, a ->> 'state')) THEN
            RAISE EXCEPTION '% may not escalate crisis %: it holds no seat an active state waits for', v_actor, p_crisis
                USING ERRCODE = 'TC005';
        END IF;
    ELSIF p_kind = 'cancel' AND NOT tocsin.is_admin(v_actor) THEN
        IF v_crisis.content -> 'permissions' ? 'cancel' THEN
            IF NOT tocsin.holds_role_of(v_actor, v_crisis.content, v_crisis.content -> 'permissions' -> 'cancel') THEN
                RAISE EXCEPTION '% may not cancel crisis % (the playbook names who may)', v_actor, p_crisis
                    USING ERRCODE = 'TC005';
            END IF;
        ELSIF v_actor <> v_crisis.initiator THEN
            RAISE EXCEPTION '% may not cancel crisis %: only its initiator may', v_actor, p_crisis
                USING ERRCODE = 'TC005';
        END IF;
    ELSIF p_kind NOT IN ('vote', 'complete', 'ack', 'escalate', 'cancel') THEN
        RAISE EXCEPTION 'unknown command %', p_kind USING ERRCODE = 'TC003';
    END IF;

    INSERT INTO tocsin.commands (crisis, kind, actor, login, args, idem_key)
    VALUES (p_crisis, p_kind, v_actor, session_user, coalesce(p_args, '{}'), p_key)
    RETURNING commands.seq INTO v_seq;
    PERFORM pg_notify('tocsin_work', '');
    RETURN QUERY SELECT v_seq, false;
END
$$;

-- Whether p_role may read a crisis: administrators and engines read all; a seat
-- holder reads crises whose playbook has its role (for a per-party seat, whose
-- parties include its party); an observer reads crises of playbooks listing its organisation.
CREATE FUNCTION tocsin.may_read(p_role name, p_crisis bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
    SELECT tocsin.is_admin(p_role) OR tocsin.member_of(p_role, 'tocsin_engine')
        OR EXISTS (
            SELECT 1 FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version
             WHERE c.id = p_crisis
               AND (EXISTS (SELECT 1 FROM tocsin.seats s
                             WHERE s.actor = p_role AND (p.content -> 'roles') ? split_part(s.seat, '/', 1)
                               AND (split_part(s.seat, '/', 2) = '' OR split_part(s.seat, '/', 2) = ANY (c.parties)))
                    OR EXISTS (SELECT 1 FROM tocsin.observers o
                                WHERE o.actor = p_role AND (p.content -> 'observers') ? o.organisation)))
$$;

-- Managing actors (tocsin_admin): a role, its seats, the organisations it observes.
CREATE FUNCTION tocsin.actor_add(p_role name, p_seats text[], p_observes text[], p_login boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
DECLARE
    v_created boolean := false;
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not manage actors (only tocsin_admin may)', tocsin.acting_role() USING ERRCODE = 'TC005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
        EXECUTE format('CREATE ROLE %I %s', p_role, CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END);
        v_created := true;
    ELSIF p_login THEN
        EXECUTE format('ALTER ROLE %I LOGIN', p_role);
    END IF;
    IF coalesce(array_length(p_seats, 1), 0) > 0 THEN
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

CREATE FUNCTION tocsin.actor_seat(p_role name, p_seat text, p_grant boolean) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not manage actors (only tocsin_admin may)', tocsin.acting_role() USING ERRCODE = 'TC005';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role) THEN
        RAISE EXCEPTION 'no role %', p_role USING ERRCODE = 'TC004';
    END IF;
    IF p_grant THEN
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

CREATE FUNCTION tocsin.actors()
RETURNS TABLE (actor name, login boolean, seats text[], observes text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
    SELECT a.actor, coalesce(r.rolcanlogin, false),
           coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM tocsin.seats s WHERE s.actor = a.actor), '{}'),
           coalesce((SELECT array_agg(o.organisation ORDER BY o.organisation) FROM tocsin.observers o
                      WHERE o.actor = a.actor), '{}')
      FROM (SELECT s.actor FROM tocsin.seats s UNION SELECT o.actor FROM tocsin.observers o) a
      LEFT JOIN pg_roles r ON r.rolname = a.actor
     ORDER BY a.actor
$$;

-- Loading playbooks: administrators only.
CREATE OR REPLACE FUNCTION tocsin.load_playbook_checked(p_source text)
RETURNS TABLE (name text, version integer, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not load playbooks (only tocsin_admin may)', tocsin.acting_role()
            USING ERRCODE = 'TC005';
    END IF;
    RETURN QUERY SELECT * FROM tocsin.load_playbook(p_source);
END
$$;

-- Privileges: nothing for PUBLIC; reads and the API for the group roles.
REVOKE ALL ON ALL TABLES IN SCHEMA tocsin FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tocsin FROM PUBLIC;
GRANT USAGE ON SCHEMA tocsin TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;

GRANT SELECT ON tocsin.crises, tocsin.commands, tocsin.audit, tocsin.votes, tocsin.approvals,
                tocsin.escalations, tocsin.action_runs, tocsin.playbooks
   TO tocsin_actor, tocsin_observer, tocsin_admin;
GRANT EXECUTE ON FUNCTION tocsin.trigger(text, text, text, text, text[], jsonb, text),
                          tocsin.submit(bigint, text, jsonb, text), tocsin.actor(name),
                          tocsin.acting_role(), tocsin.may_read(name, bigint), tocsin.actors(),
                          tocsin.audit_verify(bigint), tocsin.audit_canonical(bigint, bigint, timestamptz, text,
                                                                              text, text, text, jsonb),
                          tocsin.audit_hash(text, text)
   TO tocsin_actor, tocsin_observer, tocsin_admin, tocsin_engine;
GRANT EXECUTE ON FUNCTION tocsin.load_playbook_checked(text), tocsin.actor_add(name, text[], text[], boolean),
                          tocsin.actor_seat(name, text, boolean)
   TO tocsin_admin;

-- The engine applies: it reads everything and writes through the API's engine functions.
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA tocsin TO tocsin_engine;
GRANT DELETE ON tocsin.timers TO tocsin_engine;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA tocsin TO tocsin_engine;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA tocsin TO tocsin_engine;
REVOKE UPDATE ON tocsin.audit, tocsin.playbooks FROM tocsin_engine;

-- Row-level security: a role reads the crises it may read, and the rows that belong to them.
ALTER TABLE tocsin.crises ENABLE ROW LEVEL SECURITY;
CREATE POLICY crises_read ON tocsin.crises FOR SELECT USING (tocsin.may_read(tocsin.acting_role(), id));
CREATE POLICY crises_engine ON tocsin.crises FOR ALL TO tocsin_engine USING (true) WITH CHECK (true);
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['commands', 'audit', 'votes', 'approvals', 'escalations', 'action_runs', 'timers'] LOOP
        EXECUTE format('ALTER TABLE tocsin.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON tocsin.%I FOR SELECT USING (tocsin.may_read(tocsin.acting_role(), crisis))',
                       t || '_read', t);
        EXECUTE format('CREATE POLICY %I ON tocsin.%I FOR ALL TO tocsin_engine USING (true) WITH CHECK (true)',
                       t || '_engine', t);
    END LOOP;
END
$$;
