-- 006: the database API. The store calls these functions; nothing else
-- writes the tables. Errors carry SQLSTATEs of class TC, which the store maps
-- to the command line's exit codes:
--   TC003 invalid input   TC004 not found   TC005 permission denied   TC006 conflict
-- NOTIFY is coalesced by PostgreSQL within a transaction: one wake-up per
-- commit however many commands it carries.

-- Loads a playbook (already validated by the client's compiler): the same
-- content is the same version, changed content the next one.
CREATE FUNCTION tocsin.load_playbook(p_source text)
RETURNS TABLE (name text, version integer, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    p_content jsonb := p_source::jsonb;
    v_name text := p_content ->> 'name';
    v_sha text := encode(sha256(convert_to(p_content::text, 'UTF8')), 'hex');
    v_version integer;
BEGIN
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'the playbook has no name' USING ERRCODE = 'TC003';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('tocsin.playbook:' || v_name));
    SELECT p.version INTO v_version FROM tocsin.playbooks p WHERE p.name = v_name AND p.sha256 = v_sha;
    IF FOUND THEN
        RETURN QUERY SELECT v_name, v_version, false;
        RETURN;
    END IF;
    SELECT coalesce(max(p.version), 0) + 1 INTO v_version FROM tocsin.playbooks p WHERE p.name = v_name;
    INSERT INTO tocsin.playbooks (name, version, content, source, sha256)
    VALUES (v_name, v_version, p_content, p_source, v_sha);
    RETURN QUERY SELECT v_name, v_version, true;
END
$$;

-- Creates a crisis of the latest version of a playbook, active with no active
-- state, and queues its trigger for an engine. A repeated idempotency key
-- (scoped to the acting role and the playbook) returns the first crisis; the
-- same key with a different request is a conflict.
CREATE FUNCTION tocsin.trigger(p_playbook text, p_title text, p_severity text, p_mode text, p_parties text[],
                               p_inputs jsonb, p_key text)
RETURNS TABLE (id bigint, version integer, duplicate boolean, command bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_version integer;
    v_title text;
    v_id bigint;
    v_seq bigint;
    v_args jsonb := jsonb_build_object('title', p_title, 'severity', p_severity, 'mode', p_mode,
                                       'parties', to_jsonb(p_parties), 'inputs', p_inputs);
    v_old jsonb;
BEGIN
    IF p_key IS NOT NULL THEN
        SELECT c.id, c.version, k.args, k.seq INTO v_id, v_version, v_old, v_seq
          FROM tocsin.crises c JOIN tocsin.commands k ON k.crisis = c.id AND k.kind = 'trigger'
         WHERE c.initiator = current_user AND c.playbook = p_playbook AND c.trigger_key = p_key;
        IF FOUND THEN
            IF v_old IS DISTINCT FROM v_args THEN
                RAISE EXCEPTION 'idempotency key % was used for a different trigger (crisis %)', p_key, v_id
                    USING ERRCODE = 'TC006';
            END IF;
            RETURN QUERY SELECT v_id, v_version, true, v_seq;
            RETURN;
        END IF;
    END IF;
    SELECT p.version, p.content ->> 'title' INTO v_version, v_title
      FROM tocsin.playbooks p WHERE p.name = p_playbook ORDER BY p.version DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no playbook %', p_playbook USING ERRCODE = 'TC004';
    END IF;
    INSERT INTO tocsin.crises (playbook, version, title, severity, mode, parties, inputs, trigger_key)
    VALUES (p_playbook, v_version, coalesce(p_title, v_title), coalesce(p_severity, 'unknown'),
            coalesce(p_mode, 'actual'), p_parties, coalesce(p_inputs, '{}'), p_key)
    RETURNING crises.id INTO v_id;
    INSERT INTO tocsin.commands (crisis, kind, args, idem_key) VALUES (v_id, 'trigger', v_args, p_key)
    RETURNING commands.seq INTO v_seq;
    PERFORM pg_notify('tocsin_work', '');
    RETURN QUERY SELECT v_id, v_version, false, v_seq;
END
$$;

-- Records a command for an engine to apply. A repeated idempotency key (scoped
-- to the acting role and the crisis) returns the first command; the same key
-- with a different command is a conflict.
CREATE FUNCTION tocsin.submit(p_crisis bigint, p_kind text, p_args jsonb, p_key text)
RETURNS TABLE (seq bigint, duplicate boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_status text;
    v_seq bigint;
    v_kind text;
    v_args jsonb;
BEGIN
    SELECT c.status INTO v_status FROM tocsin.crises c WHERE c.id = p_crisis;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no crisis %', p_crisis USING ERRCODE = 'TC004';
    END IF;
    IF p_key IS NOT NULL THEN
        SELECT k.seq, k.kind, k.args INTO v_seq, v_kind, v_args
          FROM tocsin.commands k WHERE k.crisis = p_crisis AND k.actor = current_user AND k.idem_key = p_key;
        IF FOUND THEN
            IF v_kind <> p_kind OR v_args IS DISTINCT FROM coalesce(p_args, '{}') THEN
                RAISE EXCEPTION 'idempotency key % was used for a different command on crisis %', p_key, p_crisis
                    USING ERRCODE = 'TC006';
            END IF;
            RETURN QUERY SELECT v_seq, true;
            RETURN;
        END IF;
    END IF;
    IF v_status <> 'active' THEN
        RAISE EXCEPTION 'crisis % is %', p_crisis, v_status USING ERRCODE = 'TC006';
    END IF;
    INSERT INTO tocsin.commands (crisis, kind, args, idem_key) VALUES (p_crisis, p_kind, coalesce(p_args, '{}'), p_key)
    RETURNING commands.seq INTO v_seq;
    PERFORM pg_notify('tocsin_work', '');
    RETURN QUERY SELECT v_seq, false;
END
$$;

-- Claims up to p_limit crises with pending commands or timers due by p_now,
-- locking their rows until the caller's transaction ends; crises another
-- engine holds are skipped.
CREATE FUNCTION tocsin.claim(p_limit integer, p_now timestamptz DEFAULT clock_timestamp())
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz)
LANGUAGE sql AS $$
    SELECT c.id, c.playbook, c.version, c.state, c.revision, c.title, c.severity, c.mode, c.parties, c.initiator,
           c.inputs, c.created_at
      FROM tocsin.crises c
     WHERE c.id IN (SELECT k.crisis FROM tocsin.commands k WHERE k.applied_at IS NULL
                    UNION
                    SELECT t.crisis FROM tocsin.timers t WHERE t.due <= p_now)
     ORDER BY c.id
     LIMIT p_limit
       FOR UPDATE OF c SKIP LOCKED
$$;

-- The work of one claimed crisis, in the order the core must apply it: its
-- pending commands by recorded time and its due timers by due time, merged,
-- commands first at equal times (a vote recorded before a deadline counts).
CREATE FUNCTION tocsin.pending(p_crisis bigint, p_now timestamptz DEFAULT clock_timestamp())
RETURNS TABLE (at_ms bigint, seq bigint, kind text, actor name, login name, args jsonb, timer text)
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT (extract(epoch FROM k.recorded_at) * 1000)::bigint, k.seq, k.kind, k.actor, k.login, k.args, NULL::text
          FROM tocsin.commands k WHERE k.crisis = p_crisis AND k.applied_at IS NULL
        UNION ALL
        SELECT (extract(epoch FROM t.due) * 1000)::bigint, NULL, 'timer', NULL, NULL, NULL, t.key
          FROM tocsin.timers t WHERE t.crisis = p_crisis AND t.due <= p_now
    ) w (at_ms, seq, kind, actor, login, args, timer)
    ORDER BY at_ms, (seq IS NULL), seq, timer
$$;

-- Writes one transition of a claimed crisis: the new state (guarded by the
-- revision read at claim time), its audit events in order (the chain is
-- computed by the audit trigger), the records derived from them, timers set
-- and cleared, and the results of the commands applied.
--   p_audit:    [{"at_ms", "actor", "login", "kind", "state", "detail"}, ...]
--   p_timers:   [{"key", "due_ms"}, ...]        p_cleared: [key, ...]
--   p_commands: [{"seq", "result", "error"}, ...]
CREATE FUNCTION tocsin.commit(p_crisis bigint, p_revision bigint, p_state jsonb, p_audit jsonb, p_timers jsonb,
                              p_cleared text[], p_commands jsonb)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_revision bigint;
    v_status text := p_state ->> 'status';
BEGIN
    UPDATE tocsin.crises c
       SET state = p_state,
           status = v_status,
           outcome = p_state ->> 'outcome',
           severity = p_state ->> 'severity',
           escalation_level = coalesce((p_state ->> 'escalation_level')::integer, 0),
           closed_at = CASE WHEN p_state ? 'closed_at'
                            THEN to_timestamp((p_state ->> 'closed_at')::bigint / 1000.0) END,
           revision = c.revision + 1
     WHERE c.id = p_crisis AND c.revision = p_revision
    RETURNING c.revision INTO v_revision;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'crisis % changed since it was read (revision %)', p_crisis, p_revision
            USING ERRCODE = 'TC006';
    END IF;

    INSERT INTO tocsin.audit (crisis, at, actor, login, kind, state, detail)
    SELECT p_crisis, to_timestamp((e ->> 'at_ms')::bigint / 1000.0),
           coalesce(e ->> 'actor', current_user), coalesce(e ->> 'login', session_user),
           e ->> 'kind', e ->> 'state', coalesce(e -> 'detail', '{}')
      FROM jsonb_array_elements(p_audit) WITH ORDINALITY AS x (e, n)
     ORDER BY n;

    INSERT INTO tocsin.votes (crisis, state, party, vote, actor, reason, at)
    SELECT p_crisis, e ->> 'state', e -> 'detail' ->> 'party', e -> 'detail' ->> 'vote',
           coalesce(e ->> 'actor', current_user), e -> 'detail' ->> 'reason', to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
      FROM jsonb_array_elements(p_audit) WITH ORDINALITY AS x (e, n)
     WHERE e ->> 'kind' = 'vote' ORDER BY n;

    INSERT INTO tocsin.approvals (crisis, state, visit, opened_at)
    SELECT p_crisis, e ->> 'state', (e -> 'detail' ->> 'visit')::integer, to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
      FROM jsonb_array_elements(p_audit) AS x (e)
     WHERE e ->> 'kind' = 'entered' AND e -> 'detail' ->> 'type' = 'approval'
    ON CONFLICT DO NOTHING;

    UPDATE tocsin.approvals a
       SET closed_at = to_timestamp((e ->> 'at_ms')::bigint / 1000.0), outcome = e -> 'detail' ->> 'outcome',
           tally = e -> 'detail' -> 'tally'
      FROM jsonb_array_elements(p_audit) AS x (e)
     WHERE e ->> 'kind' = 'left' AND e -> 'detail' ? 'tally'
       AND a.crisis = p_crisis AND a.state = e ->> 'state' AND a.visit = (e -> 'detail' ->> 'visit')::integer;

    INSERT INTO tocsin.escalations (crisis, state, level, manual, actor, detail, at)
    SELECT p_crisis, e ->> 'state', (e -> 'detail' ->> 'level')::integer,
           coalesce((e -> 'detail' ->> 'manual')::boolean, false), e ->> 'actor', e -> 'detail',
           to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
      FROM jsonb_array_elements(p_audit) WITH ORDINALITY AS x (e, n)
     WHERE e ->> 'kind' = 'escalated' ORDER BY n;

    INSERT INTO tocsin.action_runs (crisis, action_key, attempt, state, started_at)
    SELECT p_crisis, p_crisis || '/' || (e ->> 'state') || '/' || (e -> 'detail' ->> 'visit'),
           (e -> 'detail' ->> 'attempt')::integer, e ->> 'state', to_timestamp((e ->> 'at_ms')::bigint / 1000.0)
      FROM jsonb_array_elements(p_audit) AS x (e)
     WHERE e ->> 'kind' = 'action_started'
    ON CONFLICT DO NOTHING;

    UPDATE tocsin.action_runs r
       SET finished_at = to_timestamp((e ->> 'at_ms')::bigint / 1000.0), outcome = e -> 'detail' ->> 'outcome',
           exit_status = (e -> 'detail' ->> 'exit_status')::integer,
           duration_ms = (e -> 'detail' ->> 'duration_ms')::bigint, output_tail = e -> 'detail' ->> 'output_tail'
      FROM jsonb_array_elements(p_audit) AS x (e)
     WHERE e ->> 'kind' = 'action_finished' AND r.crisis = p_crisis
       AND r.action_key = p_crisis || '/' || (e ->> 'state') || '/' || (e -> 'detail' ->> 'visit')
       AND r.attempt = (e -> 'detail' ->> 'attempt')::integer;

    IF v_status <> 'active' THEN
        DELETE FROM tocsin.timers t WHERE t.crisis = p_crisis;
    ELSE
        DELETE FROM tocsin.timers t WHERE t.crisis = p_crisis AND t.key = ANY (p_cleared);
        INSERT INTO tocsin.timers (crisis, key, due)
        SELECT p_crisis, x.key, to_timestamp(x.due_ms / 1000.0)
          FROM jsonb_to_recordset(p_timers) AS x (key text, due_ms bigint)
        ON CONFLICT (crisis, key) DO UPDATE SET due = excluded.due;
    END IF;

    UPDATE tocsin.commands k
       SET applied_at = clock_timestamp(), result = x.result, error = x.error
      FROM jsonb_to_recordset(p_commands) AS x (seq bigint, result text, error text)
     WHERE k.crisis = p_crisis AND k.seq = x.seq;

    PERFORM pg_notify('tocsin_applied', p_crisis::text);
    RETURN v_revision;
END
$$;
