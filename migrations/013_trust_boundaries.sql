-- 013: the trust boundaries, closed (issue 15; docs/security.md).
--
-- An adversarial review found that:
--   * a SECURITY DEFINER function whose search_path does not end in pg_temp
--     searches the caller's temporary schema first: a temporary table named
--     pg_roles made any actor an administrator inside them, and row-level
--     security let it read every crisis. Every such function now runs with
--     `pg_catalog, tocsin, pg_temp` (PostgreSQL's own advice), and the
--     helpers they call name the catalogs they read;
--   * the initiator rule (exclude_initiator) compared acting roles: one person
--     triggered as herself and voted `--as` a delegation she belongs to. It
--     compares the person too: crises keep the login that triggered them;
--   * tocsin_engine could write every table: give itself a seat, or write an
--     audit event in any actor's name. It now writes nothing directly: take()
--     and commit_batch() run as the schema's owner, and commit_batch() refuses
--     an event in a person's name unless that person's command, applied in the
--     same batch, is what it records (a vote, the vote they cast);
--   * deleting the last events of a chain left a chain that verified. Each
--     crisis row now carries the seq and hash of its chain's head, kept by the
--     statement that appends events, and audit_verify() compares them;
--   * sixteen clients sending one idempotency key at once: the losers got a
--     raw unique violation. The insert now waits for the winner and returns
--     its result, as the contract says a repeated key does;
--   * nothing bounded what a caller could store: a 50 MB playbook made every
--     vote on it take seconds. Sizes are capped here as in the client.
--
-- Privileges are listed role by role in docs/security.md, and
-- tests/integration/test_privileges.c compares that list with the database.

-- ---------------------------------------------------------------------------
-- Limits, in bytes (engine/core/limits.h names the same numbers: a playbook
-- TC_PLAYBOOK_MAX_BYTES, a title TC_TITLE_MAX_BYTES, inputs and data
-- TC_JSON_ARG_MAX_BYTES, a reason TC_REASON_MAX_BYTES, a key
-- TC_KEY_MAX_BYTES; a command's arguments as a whole, 128 KiB, hold a reason
-- and data at their limits).

CREATE FUNCTION tocsin.check_size(p_what text, p_bytes integer, p_limit integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_bytes > p_limit THEN
        RAISE EXCEPTION '% is % bytes, more than the % allowed', p_what, p_bytes, p_limit USING ERRCODE = 'TC003';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- Helpers that read catalogs name them: called from a SECURITY DEFINER
-- function they run with its search_path, but nothing should depend on that.

-- acting_role() is called by row-level security in the reader's own session:
-- a pinned search_path keeps a function or type the reader made in a schema
-- it searches from standing in for current_setting() or name (it also keeps
-- the function from being inlined into the policy).
CREATE OR REPLACE FUNCTION tocsin.acting_role() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(nullif(current_setting('role'), 'none'), session_user)::name
$$;

CREATE OR REPLACE FUNCTION tocsin.member_of(p_role name, p_group name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role)
                THEN pg_catalog.pg_has_role(p_role, p_group, 'MEMBER') ELSE false END;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.is_admin(p_role name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = p_role), false)
        OR p_role = (SELECT n.nspowner::pg_catalog.regrole::pg_catalog.name
                       FROM pg_catalog.pg_namespace n WHERE n.nspname = 'tocsin')
        OR tocsin.member_of(p_role, 'tocsin_admin');
END
$$;

-- ---------------------------------------------------------------------------
-- Every SECURITY DEFINER function of 008-012 whose body stays: pg_catalog
-- first, the temporary schema last.

ALTER FUNCTION tocsin.actor(name) SET search_path = pg_catalog, tocsin, pg_temp;
ALTER FUNCTION tocsin.may_read(name, bigint) SET search_path = pg_catalog, tocsin, pg_temp;
ALTER FUNCTION tocsin.actors() SET search_path = pg_catalog, tocsin, pg_temp;

-- ---------------------------------------------------------------------------
-- The person behind a crisis, and each chain's head.

ALTER TABLE tocsin.crises ADD COLUMN initiator_login name;
UPDATE tocsin.crises c
   SET initiator_login = coalesce((SELECT k.login FROM tocsin.commands k
                                    WHERE k.crisis = c.id AND k.kind = 'trigger' ORDER BY k.seq LIMIT 1),
                                  c.initiator);
ALTER TABLE tocsin.crises ALTER COLUMN initiator_login SET DEFAULT session_user,
                          ALTER COLUMN initiator_login SET NOT NULL;

-- The seq and hash of the last event of the crisis's chain (0 and NULL before
-- the first): deleting events from the end of a chain no longer leaves a chain
-- that verifies. Kept by the statement that appends the events.
ALTER TABLE tocsin.crises ADD COLUMN audit_seq bigint NOT NULL DEFAULT 0,
                          ADD COLUMN audit_hash text;
UPDATE tocsin.crises c SET audit_seq = h.seq, audit_hash = h.hash
  FROM (SELECT DISTINCT ON (a.crisis) a.crisis, a.seq, a.hash FROM tocsin.audit a ORDER BY a.crisis, a.seq DESC) h
 WHERE c.id = h.crisis;

CREATE FUNCTION tocsin.audit_anchor() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE tocsin.crises c SET audit_seq = h.seq, audit_hash = h.hash
      FROM (SELECT DISTINCT ON (a.crisis) a.crisis, a.seq, a.hash FROM appended a ORDER BY a.crisis, a.seq DESC) h
     WHERE c.id = h.crisis AND h.seq > c.audit_seq;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_anchor AFTER INSERT ON tocsin.audit REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION tocsin.audit_anchor();

-- Recomputes the chains (of one crisis, or all) and returns, for each broken
-- one, its first event whose stored prev_hash or hash is not what the events
-- before it give (problem 'edited'); or, for a chain that holds but does not
-- end at the head its crisis records, that head: 'truncated' when the chain
-- ends before it, 'head_mismatch' otherwise (events appended without it); seq
-- and expected are then the recorded head, stored the hash the chain ends
-- with ('' when no event is left).
DROP FUNCTION tocsin.audit_verify(bigint);
CREATE FUNCTION tocsin.audit_verify(only_crisis bigint DEFAULT NULL)
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
                                                               e.state, e.detail));
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

-- ---------------------------------------------------------------------------
-- Loading playbooks: administrators only, at most 1 MiB of source.

CREATE OR REPLACE FUNCTION tocsin.load_playbook_checked(p_source text)
RETURNS TABLE (name text, version integer, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not load playbooks (only tocsin_admin may)', tocsin.acting_role()
            USING ERRCODE = 'TC005';
    END IF;
    PERFORM tocsin.check_size('the playbook', octet_length(p_source), 1048576);
    RETURN QUERY SELECT * FROM tocsin.load_playbook(p_source);
END
$$;

-- ---------------------------------------------------------------------------
-- Managing actors: names checked with a clear error, and never a role that is
-- more than an actor (a superuser, the schema's owner, a group role of
-- tocsin's, a role that may create roles or bypass row-level security):
-- these functions run as the owner, and would otherwise let an administrator
-- of tocsin change such a role (make it LOGIN, give it a group).

CREATE FUNCTION tocsin.check_actor_names(p_role name, p_seats text[], p_observes text[]) RETURNS void
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

-- ---------------------------------------------------------------------------
-- trigger(): the login is kept beside the acting role; a key sent by several
-- clients at once gives them all the first one's crisis.

CREATE OR REPLACE FUNCTION tocsin.trigger(p_playbook text, p_title text, p_severity text, p_mode text,
                                          p_parties text[], p_inputs jsonb, p_key text)
RETURNS TABLE (id bigint, version integer, duplicate boolean, command bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
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
    PERFORM tocsin.check_size('the title', octet_length(p_title), 1024);
    PERFORM tocsin.check_size('the inputs JSON', octet_length(p_inputs::text), 65536);
    PERFORM tocsin.check_size('the idempotency key', octet_length(p_key), 256);
    LOOP
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
                coalesce((SELECT string_agg(x, ', ')
                            FROM jsonb_array_elements_text(v_content -> 'permissions' -> 'trigger') x),
                         'its roles')
                USING ERRCODE = 'TC005';
        END IF;
        -- With a key, a concurrent trigger with the same one waits here for the first to commit, inserts
        -- nothing, and goes round to return the first one's crisis.
        INSERT INTO tocsin.crises (playbook, version, title, severity, mode, parties, initiator, initiator_login,
                                   inputs, trigger_key)
        VALUES (p_playbook, v_version, coalesce(p_title, v_title), coalesce(p_severity, 'unknown'),
                coalesce(p_mode, 'actual'), p_parties, v_actor, session_user, coalesce(p_inputs, '{}'), p_key)
        ON CONFLICT (initiator, playbook, trigger_key) DO NOTHING
        RETURNING crises.id INTO v_id;
        EXIT WHEN v_id IS NOT NULL;
    END LOOP;
    INSERT INTO tocsin.commands (crisis, kind, actor, login, args, idem_key)
    VALUES (v_id, 'trigger', v_actor, session_user, v_args, p_key)
    RETURNING commands.seq INTO v_seq;
    PERFORM pg_notify('tocsin_work', '');
    RETURN QUERY SELECT v_id, v_version, false, v_seq;
END
$$;

-- ---------------------------------------------------------------------------
-- submit(): the initiator rule compares the person; a key sent by several
-- clients at once gives them all the first one's command.

CREATE OR REPLACE FUNCTION tocsin.submit(p_crisis bigint, p_kind text, p_args jsonb, p_key text, p_notify boolean)
RETURNS TABLE (seq bigint, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
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
    SELECT c.status, c.initiator, c.initiator_login, c.state, p.content INTO v_crisis
      FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version
     WHERE c.id = p_crisis;
    IF NOT FOUND OR NOT tocsin.may_read(v_actor, p_crisis) THEN
        RAISE EXCEPTION 'no crisis %', p_crisis USING ERRCODE = 'TC004';
    END IF;
    PERFORM tocsin.check_size('the command', octet_length(p_args::text), 131072);
    PERFORM tocsin.check_size('the reason', octet_length(p_args ->> 'reason'), 16384);
    PERFORM tocsin.check_size('the data', octet_length((p_args -> 'data')::text), 65536);
    PERFORM tocsin.check_size('the idempotency key', octet_length(p_key), 256);
    LOOP
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
            -- Four eyes: the person who triggered the crisis, whatever role either was done as.
            IF p_kind = 'vote' AND (v_actor = v_crisis.initiator OR session_user = v_crisis.initiator_login)
               AND coalesce((tocsin.state_node(v_crisis.content, p_args ->> 'state') ->> 'exclude_initiator')::boolean,
                            false) THEN
                RAISE EXCEPTION '% triggered crisis % and may not vote on %',
                    CASE WHEN v_actor = v_crisis.initiator THEN v_actor::text
                         ELSE format('%s (logged in as %s)', v_actor, session_user) END,
                    p_crisis, p_args ->> 'state'
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

        -- With a key, a concurrent submit with the same one waits here for the first to commit, inserts
        -- nothing, and goes round to return the first one's command.
        INSERT INTO tocsin.commands (crisis, kind, actor, login, args, idem_key)
        VALUES (p_crisis, p_kind, v_actor, session_user, coalesce(p_args, '{}'), p_key)
        ON CONFLICT (crisis, actor, idem_key) DO NOTHING
        RETURNING commands.seq INTO v_seq;
        EXIT WHEN v_seq IS NOT NULL;
    END LOOP;
    IF p_notify THEN
        PERFORM pg_notify('tocsin_work', '');
    END IF;
    RETURN QUERY SELECT v_seq, false;
END
$$;

-- ---------------------------------------------------------------------------
-- The engine's side: it reads, and writes only through these functions, which
-- run as the schema's owner.

ALTER FUNCTION tocsin.claim_batch(integer, timestamptz, bigint[])
    SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp;
ALTER FUNCTION tocsin.take(integer, timestamptz, bigint[])
    SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp;
ALTER FUNCTION tocsin.next_due(bigint[]) SET search_path = pg_catalog, tocsin, pg_temp;

-- One crisis locked for a batch that writes the results of its actions
-- (the columns of take(), without the work).
CREATE FUNCTION tocsin.lock_crisis(p_id bigint)
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
    SELECT c.id, c.playbook, c.version, c.state, c.revision, c.title, c.severity, c.mode, c.parties,
           c.initiator, c.inputs, c.created_at
      FROM tocsin.crises c WHERE c.id = p_id FOR NO KEY UPDATE
$$;

-- Records that an engine set a crisis aside (011): set aside again at the same
-- revision, one more failure; at a later one, a new record.
CREATE FUNCTION tocsin.record_set_aside(p_crisis bigint, p_revision bigint, p_engine text, p_reason text,
                                        p_until timestamptz) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
    INSERT INTO tocsin.set_aside AS s (crisis, revision, engine, reason, until)
    VALUES (p_crisis, p_revision, left(p_engine, 200), left(p_reason, 4000), p_until)
    ON CONFLICT (crisis) DO UPDATE SET engine = excluded.engine, reason = excluded.reason,
        until = excluded.until, revision = excluded.revision,
        failures = CASE WHEN s.revision = excluded.revision THEN s.failures + 1 ELSE 1 END,
        since = CASE WHEN s.revision = excluded.revision THEN s.since ELSE excluded.since END
$$;

-- commit_batch() as 012 wrote it, with two changes: it runs as the owner,
-- and an audit event in a person's name must come from that person's
-- command, applied in this batch (a vote: the vote they cast); events in no
-- one's name are the engine's, under its own role, and never a vote, a
-- completion or an acknowledgement, which only people make.
CREATE OR REPLACE FUNCTION tocsin.commit_batch(p_batch jsonb, p_notify boolean)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tocsin, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_expected integer := jsonb_array_length(p_batch);
    v_ids bigint[] := ARRAY(SELECT (x ->> 'crisis')::bigint FROM jsonb_array_elements(p_batch) x);
    v_engine name := tocsin.acting_role();
    v_written integer;
    v_stale bigint;
    v_forged record;
    v_payload text;
    v_votes boolean;
    v_opened boolean;
    v_closed boolean;
    v_escalated boolean;
    v_started boolean;
    v_finished boolean;
    v_untimed boolean;
    v_timed boolean;
BEGIN
    IF v_expected = 0 THEN
        RETURN 0;
    END IF;
    SELECT coalesce(bool_or(e ->> 'kind' = 'vote'), false),
           coalesce(bool_or(e ->> 'kind' = 'entered' AND e -> 'detail' ->> 'type' = 'approval'), false),
           coalesce(bool_or(e ->> 'kind' = 'left' AND e -> 'detail' ? 'tally'), false),
           coalesce(bool_or(e ->> 'kind' = 'escalated'), false),
           coalesce(bool_or(e ->> 'kind' = 'action_started'), false),
           coalesce(bool_or(e ->> 'kind' = 'action_finished'), false)
      INTO v_votes, v_opened, v_closed, v_escalated, v_started, v_finished
      FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e);
    SELECT coalesce(bool_or(b.x -> 'state' ->> 'status' <> 'active' OR jsonb_array_length(b.x -> 'cleared') > 0), false),
           coalesce(bool_or(jsonb_array_length(b.x -> 'timers') > 0), false)
      INTO v_untimed, v_timed
      FROM jsonb_array_elements(p_batch) AS b (x);

    -- Nobody's name on what they did not do.
    SELECT (b.x ->> 'crisis')::bigint AS crisis, e ->> 'kind' AS kind, e ->> 'actor' AS actor,
           e ->> 'login' AS login INTO v_forged
      FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e)
     WHERE (e ->> 'actor' IS NULL AND e ->> 'kind' IN ('vote', 'completed', 'acked'))
        OR (e ->> 'actor' IS NOT NULL
       AND NOT EXISTS (
           SELECT 1
             FROM jsonb_to_recordset(b.x -> 'commands') AS r (seq bigint), tocsin.commands k
            WHERE k.crisis = (b.x ->> 'crisis')::bigint AND k.seq = r.seq AND k.applied_at IS NULL
              AND k.actor = e ->> 'actor' AND k.login = e ->> 'login'
              AND (e ->> 'kind' <> 'vote'
                   OR (k.kind = 'vote' AND k.args ->> 'vote' = e -> 'detail' ->> 'vote'
                       AND (k.args ->> 'party' IS NULL OR k.args ->> 'party' = e -> 'detail' ->> 'party')
                       AND (k.args ->> 'reason') IS NOT DISTINCT FROM (e -> 'detail' ->> 'reason')))))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'crisis %: an event % in the name of % (login %) that no command of theirs in the batch asked for',
            v_forged.crisis, v_forged.kind, coalesce(v_forged.actor, 'no one'), coalesce(v_forged.login, 'none')
            USING ERRCODE = 'TC005';
    END IF;

    UPDATE tocsin.crises c
       SET state = b.x -> 'state',
           status = b.x -> 'state' ->> 'status',
           outcome = b.x -> 'state' ->> 'outcome',
           severity = b.x -> 'state' ->> 'severity',
           escalation_level = coalesce((b.x -> 'state' ->> 'escalation_level')::integer, 0),
           closed_at = CASE WHEN b.x -> 'state' ? 'closed_at'
                            THEN to_timestamp((b.x -> 'state' ->> 'closed_at')::bigint / 1000.0) END,
           revision = c.revision + 1
      FROM jsonb_array_elements(p_batch) AS b (x)
     WHERE c.id = ANY (v_ids) AND c.id = (b.x ->> 'crisis')::bigint AND c.revision = (b.x ->> 'revision')::bigint;
    GET DIAGNOSTICS v_written = ROW_COUNT;
    IF v_written <> v_expected THEN
        SELECT (b.x ->> 'crisis')::bigint INTO v_stale
          FROM jsonb_array_elements(p_batch) AS b (x)
         WHERE NOT EXISTS (SELECT 1 FROM tocsin.crises c
                            WHERE c.id = (b.x ->> 'crisis')::bigint AND c.revision = (b.x ->> 'revision')::bigint + 1)
         LIMIT 1;
        RAISE EXCEPTION 'crisis % changed since it was read', v_stale USING ERRCODE = 'TC006';
    END IF;

    INSERT INTO tocsin.audit (crisis, at, actor, login, kind, state, detail)
    SELECT (b.x ->> 'crisis')::bigint, to_timestamp((e ->> 'at_ms')::bigint / 1000.0),
           coalesce(e ->> 'actor', v_engine), CASE WHEN e ->> 'actor' IS NULL THEN session_user ELSE e ->> 'login' END,
           e ->> 'kind', e ->> 'state', coalesce(e -> 'detail', '{}')
      FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b (x, i),
           jsonb_array_elements(b.x -> 'audit') WITH ORDINALITY AS a (e, n)
     ORDER BY i, n;

    IF v_votes THEN
        INSERT INTO tocsin.votes (crisis, state, party, vote, actor, reason, at)
        SELECT (b.x ->> 'crisis')::bigint, e ->> 'state', e -> 'detail' ->> 'party', e -> 'detail' ->> 'vote',
               coalesce(e ->> 'actor', v_engine), e -> 'detail' ->> 'reason',
               to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
          FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b (x, i),
               jsonb_array_elements(b.x -> 'audit') WITH ORDINALITY AS a (e, n)
         WHERE e ->> 'kind' = 'vote'
         ORDER BY i, n;
    END IF;

    IF v_opened THEN
        INSERT INTO tocsin.approvals (crisis, state, visit, opened_at)
        SELECT (b.x ->> 'crisis')::bigint, e ->> 'state', (e -> 'detail' ->> 'visit')::integer,
               to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
          FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e)
         WHERE e ->> 'kind' = 'entered' AND e -> 'detail' ->> 'type' = 'approval'
        ON CONFLICT DO NOTHING;
    END IF;

    IF v_closed THEN
        UPDATE tocsin.approvals ap
           SET closed_at = to_timestamp((e ->> 'at_ms')::bigint / 1000.0), outcome = e -> 'detail' ->> 'outcome',
               tally = e -> 'detail' -> 'tally'
          FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e)
         WHERE e ->> 'kind' = 'left' AND e -> 'detail' ? 'tally'
           AND ap.crisis = ANY (v_ids) AND ap.crisis = (b.x ->> 'crisis')::bigint AND ap.state = e ->> 'state'
           AND ap.visit = (e -> 'detail' ->> 'visit')::integer;
    END IF;

    IF v_escalated THEN
        INSERT INTO tocsin.escalations (crisis, state, level, manual, actor, detail, at)
        SELECT (b.x ->> 'crisis')::bigint, e ->> 'state', (e -> 'detail' ->> 'level')::integer,
               coalesce((e -> 'detail' ->> 'manual')::boolean, false), e ->> 'actor', e -> 'detail',
               to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
          FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b (x, i),
               jsonb_array_elements(b.x -> 'audit') WITH ORDINALITY AS a (e, n)
         WHERE e ->> 'kind' = 'escalated'
         ORDER BY i, n;
    END IF;

    IF v_started THEN
        INSERT INTO tocsin.action_runs (crisis, action_key, attempt, state, started_at)
        SELECT (b.x ->> 'crisis')::bigint, (b.x ->> 'crisis') || '/' || (e ->> 'state') || '/' || (e -> 'detail' ->> 'visit'),
               (e -> 'detail' ->> 'attempt')::integer, e ->> 'state', to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
          FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e)
         WHERE e ->> 'kind' = 'action_started'
        ON CONFLICT DO NOTHING;
    END IF;

    IF v_finished THEN
        UPDATE tocsin.action_runs r
           SET finished_at = to_timestamp((e ->> 'at_ms')::bigint / 1000.0), outcome = e -> 'detail' ->> 'outcome',
               exit_status = (e -> 'detail' ->> 'exit_status')::integer,
               duration_ms = (e -> 'detail' ->> 'duration_ms')::bigint, output_tail = e -> 'detail' ->> 'output_tail'
          FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e)
         WHERE e ->> 'kind' = 'action_finished' AND r.crisis = ANY (v_ids) AND r.crisis = (b.x ->> 'crisis')::bigint
           AND r.action_key = (b.x ->> 'crisis') || '/' || (e ->> 'state') || '/' || (e -> 'detail' ->> 'visit')
           AND r.attempt = (e -> 'detail' ->> 'attempt')::integer;
    END IF;

    IF v_untimed THEN
        DELETE FROM tocsin.timers t
         USING jsonb_array_elements(p_batch) AS b (x)
         WHERE t.crisis = ANY (v_ids) AND t.crisis = (b.x ->> 'crisis')::bigint
           AND (b.x -> 'state' ->> 'status' <> 'active'
                OR t.key IN (SELECT jsonb_array_elements_text(b.x -> 'cleared')));
    END IF;
    IF v_timed THEN
        INSERT INTO tocsin.timers (crisis, key, due)
        SELECT (b.x ->> 'crisis')::bigint, s.key, to_timestamp(s.due_ms / 1000.0)
          FROM jsonb_array_elements(p_batch) AS b (x),
               jsonb_to_recordset(b.x -> 'timers') AS s (key text, due_ms bigint)
         WHERE b.x -> 'state' ->> 'status' = 'active'
        ON CONFLICT (crisis, key) DO UPDATE SET due = excluded.due;
    END IF;

    UPDATE tocsin.commands k
       SET applied_at = clock_timestamp(), result = r.result, error = r.error
      FROM jsonb_array_elements(p_batch) AS b (x),
           jsonb_to_recordset(b.x -> 'commands') AS r (seq bigint, result text, error text)
     WHERE k.crisis = ANY (v_ids) AND k.crisis = (b.x ->> 'crisis')::bigint AND k.seq = r.seq;

    IF p_notify THEN
        v_payload := array_to_string(v_ids, ',');
        PERFORM pg_notify('tocsin_applied', CASE WHEN octet_length(v_payload) < 8000 THEN v_payload ELSE '' END);
    END IF;
    RETURN v_expected;
END
$$;

-- 006's per-crisis engine API: nothing calls it since 009, and commit() wrote
-- the audit in any name.
DROP FUNCTION tocsin.claim(integer, timestamptz);
DROP FUNCTION tocsin.pending(bigint, timestamptz);
DROP FUNCTION tocsin.commit(bigint, bigint, jsonb, jsonb, jsonb, text[], jsonb);

-- ---------------------------------------------------------------------------
-- Privileges, from nothing: what each group role may do is exactly this
-- (docs/security.md has the matrix; test_privileges compares it).

REVOKE ALL ON ALL TABLES IN SCHEMA tocsin FROM PUBLIC, tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA tocsin FROM PUBLIC, tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tocsin FROM PUBLIC, tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;

-- Functions created later by the owner start with no EXECUTE for PUBLIC either.
ALTER DEFAULT PRIVILEGES IN SCHEMA tocsin REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Reading: row-level security decides which rows (the engine reads all).
GRANT SELECT ON tocsin.crises, tocsin.commands, tocsin.audit, tocsin.votes, tocsin.approvals,
                tocsin.escalations, tocsin.action_runs, tocsin.playbooks, tocsin.set_aside
   TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
GRANT SELECT ON tocsin.timers, tocsin.seats, tocsin.observers, tocsin.schema_migrations TO tocsin_admin, tocsin_engine;

-- The functions each calls (those run as the owner check who calls them).
GRANT EXECUTE ON FUNCTION tocsin.acting_role(), tocsin.may_read(name, bigint), tocsin.actor(name),
                          tocsin.audit_verify(bigint),
                          tocsin.audit_canonical(bigint, bigint, timestamptz, text, text, text, text, jsonb),
                          tocsin.audit_hash(text, text)
   TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
GRANT EXECUTE ON FUNCTION tocsin.trigger(text, text, text, text, text[], jsonb, text),
                          tocsin.submit(bigint, text, jsonb, text, boolean), tocsin.actors()
   TO tocsin_admin, tocsin_actor, tocsin_observer;
GRANT EXECUTE ON FUNCTION tocsin.load_playbook_checked(text), tocsin.actor_add(name, text[], text[], boolean),
                          tocsin.actor_seat(name, text, boolean)
   TO tocsin_admin;
GRANT EXECUTE ON FUNCTION tocsin.take(integer, timestamptz, bigint[]), tocsin.commit_batch(jsonb, boolean),
                          tocsin.next_due(bigint[]), tocsin.lock_crisis(bigint),
                          tocsin.record_set_aside(bigint, bigint, text, text, timestamptz)
   TO tocsin_engine;

-- The engine's policies: it reads every row (and writes none itself).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['crises', 'commands', 'audit', 'votes', 'approvals', 'escalations', 'action_runs',
                             'timers', 'set_aside'] LOOP
        EXECUTE format('DROP POLICY %I ON tocsin.%I', t || '_engine', t);
        EXECUTE format('CREATE POLICY %I ON tocsin.%I FOR SELECT TO tocsin_engine USING (true)', t || '_engine', t);
    END LOOP;
END
$$;
