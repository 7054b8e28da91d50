-- What actors call: trigger() creates a crisis and queues its trigger;
-- submit() records a command for an engine to apply. Both check, inside the
-- database, that the acting role may (its seats, the playbook's permissions,
-- the initiator rule compared by person), and refuse with SQLSTATEs of class
-- TC, which the store maps to the command line's exit codes:
--   TC003 invalid input   TC004 not found   TC005 permission denied   TC006 conflict
-- A repeated idempotency key (scoped to the acting role and the crisis; for
-- trigger, the playbook) returns the first one's result, also when several
-- arrive at once: the insert waits for the first and goes round. With
-- p_notify false, submit leaves the NOTIFY to its caller, which sends it
-- after its commit (docs/architecture.md).

-- Sizes, in bytes (engine/core/input/limits.h names the same numbers: a playbook
-- TC_PLAYBOOK_MAX_BYTES, a title TC_TITLE_MAX_BYTES, inputs and data
-- TC_JSON_ARG_MAX_BYTES, a reason TC_REASON_MAX_BYTES, a key
-- TC_KEY_MAX_BYTES; a command's arguments as a whole, 128 KiB, hold a reason
-- and data at their limits).
CREATE OR REPLACE FUNCTION tocsin.check_size(p_what text, p_bytes integer, p_limit integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_bytes > p_limit THEN
        RAISE EXCEPTION '% is % bytes, more than the % allowed', p_what, p_bytes, p_limit USING ERRCODE = 'TC003';
    END IF;
END
$$;

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

DROP FUNCTION IF EXISTS tocsin.submit(bigint, text, jsonb, text, boolean);
CREATE OR REPLACE FUNCTION tocsin.submit(p_crisis bigint, p_kind text, p_args jsonb, p_key text, p_notify boolean,
                                         p_signature jsonb DEFAULT NULL)
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
    v_delegation record;
BEGIN
    SELECT c.status, c.initiator, c.initiator_login, c.state, c.parties, p.content, p.states, p.sha256 INTO v_crisis
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

        -- The seat the command needs (votes, completions, acknowledgements: held, or delegated in this
        -- crisis), or the permission (escalate, cancel, amend, delegate, undelegate).
        IF p_kind IN ('vote', 'complete', 'ack') THEN
            IF p_args ->> 'state' IS NULL THEN
                RAISE EXCEPTION 'a % must name its state', p_kind USING ERRCODE = 'TC003';
            END IF;
            v_role := v_crisis.states -> (p_args ->> 'state') ->> 'role';
            IF v_role IS NULL THEN
                RAISE EXCEPTION 'no state % in the crisis''s playbook', p_args ->> 'state' USING ERRCODE = 'TC004';
            END IF;
            v_seat := v_role || coalesce('/' || (p_args ->> 'party'), '');
            IF NOT EXISTS (SELECT 1 FROM tocsin.seats s WHERE s.actor = v_actor AND s.seat = v_seat) THEN
                -- A delegate: the delegation in force, locked so that an undelegate waits for this
                -- command (and takes a later seq), or this one sees it ended.
                SELECT d.holder, d.until INTO v_delegation
                  FROM tocsin.delegations d
                 WHERE d.crisis = p_crisis AND d.seat = v_seat AND d.delegate = v_actor AND d.revoked_seq IS NULL
                   FOR SHARE;
                IF NOT FOUND THEN
                    RAISE EXCEPTION '% holds no seat %', v_actor, v_seat USING ERRCODE = 'TC005';
                END IF;
                IF v_delegation.until <= now() THEN
                    RAISE EXCEPTION '% acted for seat % of % until %: the delegation has ended', v_actor, v_seat,
                        v_delegation.holder, to_char(v_delegation.until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                        USING ERRCODE = 'TC005';
                END IF;
            END IF;
            -- Signed (docs/signatures.md): required by the state, or given anyway; checked either way.
            IF p_signature IS NOT NULL OR v_crisis.states -> (p_args ->> 'state') ->> 'signatures' = 'required' THEN
                PERFORM tocsin.check_signature(p_crisis, v_actor, p_kind, p_args, p_key, v_seat, p_signature,
                                               v_crisis.state, v_crisis.sha256);
            END IF;
            -- Four eyes: the person who triggered the crisis, whatever role either was done as.
            IF p_kind = 'vote' AND (v_actor = v_crisis.initiator OR session_user = v_crisis.initiator_login)
               AND coalesce((v_crisis.states -> (p_args ->> 'state') ->> 'exclude_initiator')::boolean, false) THEN
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
                       AND split_part(s.seat, '/', 1) = v_crisis.states -> (a ->> 'state') ->> 'role') THEN
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
        ELSIF p_kind = 'amend' AND NOT tocsin.is_admin(v_actor)
              AND v_actor <> v_crisis.initiator AND session_user <> v_crisis.initiator_login THEN
            RAISE EXCEPTION '% may not amend crisis % (only its initiator % and administrators may)',
                v_actor, p_crisis, v_crisis.initiator
                USING ERRCODE = 'TC005';
        ELSIF p_kind = 'delegate' THEN
            PERFORM tocsin.check_delegate(p_crisis, v_actor, v_crisis.content, v_crisis.parties, p_args);
        ELSIF p_kind = 'undelegate' THEN
            PERFORM tocsin.check_undelegate(p_crisis, v_actor, p_args);
        ELSIF p_kind NOT IN ('vote', 'complete', 'ack', 'escalate', 'cancel', 'amend') THEN
            RAISE EXCEPTION 'unknown command %', p_kind USING ERRCODE = 'TC003';
        END IF;
        IF p_signature IS NOT NULL AND p_kind NOT IN ('vote', 'complete', 'ack') THEN
            RAISE EXCEPTION 'only votes, completions and acknowledgements are signed, not %', p_kind
                USING ERRCODE = 'TC003';
        END IF;

        -- With a key, a concurrent submit with the same one waits here for the first to commit, inserts
        -- nothing, and goes round to return the first one's command.
        INSERT INTO tocsin.commands (crisis, kind, actor, login, args, idem_key, signature)
        VALUES (p_crisis, p_kind, v_actor, session_user, coalesce(p_args, '{}'), p_key, p_signature)
        ON CONFLICT (crisis, actor, idem_key) DO NOTHING
        RETURNING commands.seq INTO v_seq;
        EXIT WHEN v_seq IS NOT NULL;
    END LOOP;
    IF p_kind IN ('delegate', 'undelegate') THEN
        PERFORM tocsin.record_delegation(p_crisis, v_seq, p_kind, v_actor, p_args);
    END IF;
    IF p_notify THEN
        PERFORM pg_notify('tocsin_work', '');
    END IF;
    RETURN QUERY SELECT v_seq, false;
END
$$;

-- Delegation (docs/architecture.md, "Delegation"): submit() checks a
-- `delegate` or `undelegate` with these before recording it, and
-- record_delegation() writes the delegation after, in the same transaction.
-- p_args: {"seat", "to", "until" (an ISO 8601 time) or "for" (seconds),
-- "reason"} as the CLI gives them.
CREATE OR REPLACE FUNCTION tocsin.check_delegate(p_crisis bigint, p_actor name, p_content jsonb, p_parties text[],
                                                 p_args jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_seat text := p_args ->> 'seat';
    v_to text := p_args ->> 'to';
    v_role text := split_part(p_args ->> 'seat', '/', 1);
    v_party text := nullif(split_part(p_args ->> 'seat', '/', 2), '');
    v_until timestamptz;
    v_in_force record;
BEGIN
    IF v_seat IS NULL OR v_seat !~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$' THEN
        RAISE EXCEPTION 'invalid seat "%": a playbook role, optionally /PARTY (council/KZ)', coalesce(v_seat, '')
            USING ERRCODE = 'TC003';
    END IF;
    IF coalesce(p_args ->> 'reason', '') = '' THEN
        RAISE EXCEPTION 'a delegation needs a reason' USING ERRCODE = 'TC003';
    END IF;
    IF p_args ? 'for' AND p_args ? 'until' THEN
        RAISE EXCEPTION 'a delegation ends at one time: for or until, not both' USING ERRCODE = 'TC003';
    END IF;
    IF p_args ? 'for' AND (jsonb_typeof(p_args -> 'for') <> 'number' OR (p_args ->> 'for')::numeric NOT BETWEEN 1 AND 31622400
                           OR (p_args ->> 'for')::numeric <> trunc((p_args ->> 'for')::numeric)) THEN
        RAISE EXCEPTION 'a delegation lasts from a second to a year, in whole seconds' USING ERRCODE = 'TC003';
    END IF;
    BEGIN
        v_until := (p_args ->> 'until')::timestamptz;
    EXCEPTION WHEN others THEN
        RAISE EXCEPTION 'the end of the delegation, "%", is not a time', p_args ->> 'until' USING ERRCODE = 'TC003';
    END;
    IF v_until <= now() THEN
        RAISE EXCEPTION 'the delegation would end (%) before it begins',
            to_char(v_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') USING ERRCODE = 'TC003';
    END IF;
    IF NOT (p_content -> 'roles') ? v_role THEN
        RAISE EXCEPTION 'no role % in the crisis''s playbook', v_role USING ERRCODE = 'TC004';
    END IF;
    IF v_party IS NOT NULL AND NOT v_party = ANY (p_parties) THEN
        RAISE EXCEPTION 'crisis % has no party %', p_crisis, v_party USING ERRCODE = 'TC004';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tocsin.seats s WHERE s.actor = p_actor AND s.seat = v_seat) THEN
        RAISE EXCEPTION '% does not hold seat %: only its holder may delegate it', p_actor, v_seat
            USING ERRCODE = 'TC005';
    END IF;
    IF v_to IS NULL OR v_to = '' THEN
        RAISE EXCEPTION 'a delegation names the role that is to act' USING ERRCODE = 'TC003';
    END IF;
    IF v_to = p_actor THEN
        RAISE EXCEPTION '% holds seat % already: delegate it to another role', p_actor, v_seat USING ERRCODE = 'TC003';
    END IF;
    -- An actor of this database: one actor_add made or gave a seat or an organisation (the group roles
    -- are the cluster's, shared by its databases).
    IF NOT (tocsin.member_of(v_to, 'tocsin_actor') OR tocsin.member_of(v_to, 'tocsin_observer'))
       OR NOT EXISTS (SELECT 1 FROM tocsin.actor_history h WHERE h.actor = v_to) THEN
        RAISE EXCEPTION 'no actor % (tocsin actor add % first)', v_to, v_to USING ERRCODE = 'TC004';
    END IF;
    IF EXISTS (SELECT 1 FROM tocsin.seats s WHERE s.actor = v_to AND s.seat = v_seat) THEN
        RAISE EXCEPTION '% holds seat % already', v_to, v_seat USING ERRCODE = 'TC006';
    END IF;
    SELECT d.delegate, d.until INTO v_in_force
      FROM tocsin.delegations d
     WHERE d.crisis = p_crisis AND d.seat = v_seat AND d.revoked_seq IS NULL AND (d.until IS NULL OR d.until > now());
    IF FOUND THEN
        RAISE EXCEPTION 'seat % of crisis % is delegated to % already (%): undelegate it first', v_seat, p_crisis,
            v_in_force.delegate,
            CASE WHEN v_in_force.until IS NULL THEN 'until the crisis closes'
                 ELSE 'until ' || to_char(v_in_force.until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END
            USING ERRCODE = 'TC006';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.check_undelegate(p_crisis bigint, p_actor name, p_args jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_seat text := p_args ->> 'seat';
    v_in_force record;
BEGIN
    IF coalesce(p_args ->> 'reason', '') = '' THEN
        RAISE EXCEPTION 'ending a delegation needs a reason' USING ERRCODE = 'TC003';
    END IF;
    SELECT d.holder, d.delegate INTO v_in_force
      FROM tocsin.delegations d
     WHERE d.crisis = p_crisis AND d.seat = v_seat AND d.revoked_seq IS NULL AND (d.until IS NULL OR d.until > now())
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'seat % of crisis % is not delegated', coalesce(v_seat, '(none)'), p_crisis
            USING ERRCODE = 'TC004';
    END IF;
    IF p_actor <> v_in_force.delegate AND NOT tocsin.is_admin(p_actor)
       AND NOT EXISTS (SELECT 1 FROM tocsin.seats s WHERE s.actor = p_actor AND s.seat = v_seat) THEN
        RAISE EXCEPTION '% may not end the delegation of seat % (its holder, its delegate and administrators may)',
            p_actor, v_seat
            USING ERRCODE = 'TC005';
    END IF;
END
$$;

-- Writes what a recorded `delegate` or `undelegate` (command p_seq) does: a
-- new delegation in force (closing one of the seat that merely expired), or
-- the end of the one in force.
CREATE OR REPLACE FUNCTION tocsin.record_delegation(p_crisis bigint, p_seq bigint, p_kind text, p_actor name,
                                                    p_args jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_at timestamptz := (SELECT k.recorded_at FROM tocsin.commands k WHERE k.crisis = p_crisis AND k.seq = p_seq);
BEGIN
    UPDATE tocsin.delegations d
       SET revoked_seq = p_seq, revoked_by = CASE WHEN p_kind = 'undelegate' THEN p_actor END,
           revoked_at = CASE WHEN p_kind = 'undelegate' THEN v_at ELSE d.until END
     WHERE d.crisis = p_crisis AND d.seat = p_args ->> 'seat' AND d.revoked_seq IS NULL
       AND (p_kind = 'undelegate' OR d.until <= v_at);
    IF p_kind = 'delegate' THEN
        -- Two holders delegating the seat at once: the second finds the first's row here.
        INSERT INTO tocsin.delegations (crisis, seat, holder, delegate, until, reason, granted_seq, granted_at)
        VALUES (p_crisis, p_args ->> 'seat', p_actor, p_args ->> 'to',
                coalesce((p_args ->> 'until')::timestamptz, v_at + make_interval(secs => (p_args ->> 'for')::double precision)),
                p_args ->> 'reason', p_seq, v_at);
    END IF;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'seat % of crisis % was delegated by another command meanwhile: undelegate it first',
        p_args ->> 'seat', p_crisis
        USING ERRCODE = 'TC006';
END
$$;

-- A signed command (docs/signatures.md): submit() checks here everything but
-- the Ed25519 signature itself, which PostgreSQL cannot check without an
-- extension Debian does not ship; the CLI checks it before it submits, and
-- the engine checks all of it again before it applies the command (a command
-- whose signature does not hold is refused there, and audited). Here: the
-- signature's shape, that its key is registered to the acting role and in
-- force, and that the signed text says exactly this command: crisis,
-- playbook version, state and its current visit, seat, kind, value, data,
-- reason and idempotency key. A missing signature where the state requires
-- one is refused too.
CREATE OR REPLACE FUNCTION tocsin.check_signature(p_crisis bigint, p_actor name, p_kind text, p_args jsonb, p_key text,
                                                  p_seat text, p_signature jsonb, p_state jsonb, p_sha256 text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_names text[] := ARRAY['crisis', 'playbook_sha256', 'state', 'visit', 'seat', 'kind', 'value', 'data', 'reason',
                            'key', 'signed_at'];
    v_lines text[];
    v_signed jsonb := '{}';
    v_key record;
    v_value jsonb;
    v_want jsonb;
    v_name text;
BEGIN
    IF p_signature IS NULL THEN
        RAISE EXCEPTION 'state % takes only signed commands: sign with a registered key of % (tocsin --sign-with FILE)',
            p_args ->> 'state', p_actor
            USING ERRCODE = 'TC005';
    END IF;
    IF jsonb_typeof(p_signature) <> 'object' OR NOT p_signature ?& ARRAY['key_id', 'signed', 'signature']
       OR p_signature - ARRAY['key_id', 'signed', 'signature'] <> '{}'::jsonb
       OR jsonb_typeof(p_signature -> 'signed') <> 'string'
       OR coalesce(p_signature ->> 'signature', '') !~ '^[A-Za-z0-9+/]{86}==$' THEN
        RAISE EXCEPTION 'a signature is {"key_id", "signed", "signature"} as docs/signatures.md says' USING ERRCODE = 'TC003';
    END IF;
    PERFORM tocsin.check_size('the signed text', octet_length(p_signature ->> 'signed'), 98304);
    SELECT k.role, k.revoked_at INTO v_key FROM tocsin.keys k WHERE k.key_id = p_signature ->> 'key_id';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'key % is not registered (tocsin key register)', p_signature ->> 'key_id' USING ERRCODE = 'TC005';
    END IF;
    IF v_key.role <> p_actor THEN
        RAISE EXCEPTION 'key % is %''s, not %''s: a command is signed by the role that acts', p_signature ->> 'key_id',
            v_key.role, p_actor
            USING ERRCODE = 'TC005';
    END IF;
    IF v_key.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'key % of % was revoked at %', p_signature ->> 'key_id', p_actor,
            to_char(v_key.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            USING ERRCODE = 'TC005';
    END IF;
    -- The signed text: its header, the eleven fields in order, a line each, and the final line break.
    v_lines := string_to_array(p_signature ->> 'signed', E'\n');
    IF array_length(v_lines, 1) <> 13 OR v_lines[1] <> 'tocsin-command/1' OR v_lines[13] <> '' THEN
        RAISE EXCEPTION 'the signed text is not a signed command (docs/signatures.md)' USING ERRCODE = 'TC003';
    END IF;
    FOR i IN 1 .. 11 LOOP
        v_name := v_names[i];
        IF split_part(v_lines[i + 1], ' ', 1) <> v_name THEN
            RAISE EXCEPTION 'the signed text''s line % is not the field %', i + 1, v_name USING ERRCODE = 'TC003';
        END IF;
        BEGIN
            v_value := substr(v_lines[i + 1], length(v_name) + 2)::jsonb;
        EXCEPTION WHEN others THEN
            RAISE EXCEPTION 'the signed text''s % is not JSON', v_name USING ERRCODE = 'TC003';
        END;
        v_signed := v_signed || jsonb_build_object(v_name, v_value);
    END LOOP;
    FOREACH v_name IN ARRAY v_names[1:10] LOOP
        v_want := CASE v_name
            WHEN 'crisis' THEN to_jsonb(p_crisis)
            WHEN 'playbook_sha256' THEN to_jsonb(p_sha256)
            WHEN 'state' THEN p_args -> 'state'
            WHEN 'visit' THEN (SELECT a -> 'visit' FROM jsonb_array_elements(p_state -> 'active') a
                                WHERE a ->> 'state' = p_args ->> 'state')
            WHEN 'seat' THEN to_jsonb(p_seat)
            WHEN 'kind' THEN to_jsonb(p_kind)
            WHEN 'value' THEN CASE p_kind WHEN 'vote' THEN p_args -> 'vote'
                                          WHEN 'complete' THEN to_jsonb(coalesce(p_args ->> 'outcome', 'done')) END
            WHEN 'data' THEN CASE WHEN p_kind = 'complete' AND p_args -> 'data' <> '{}'::jsonb THEN p_args -> 'data' END
            WHEN 'reason' THEN p_args -> 'reason'
            WHEN 'key' THEN to_jsonb(p_key)
        END;
        IF (v_signed -> v_name) IS DISTINCT FROM coalesce(v_want, 'null'::jsonb)
           AND NOT (v_name = 'data' AND v_signed -> v_name = '{}'::jsonb AND v_want IS NULL) THEN
            RAISE EXCEPTION 'the signature does not cover this command: it signs % %, the command''s is %', v_name,
                v_signed -> v_name, coalesce(v_want, 'null'::jsonb)
                USING ERRCODE = 'TC005';
        END IF;
    END LOOP;
END
$$;
