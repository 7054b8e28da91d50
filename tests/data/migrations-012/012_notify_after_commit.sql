-- 012: notifications sent after the commit, not inside it.
--
-- PostgreSQL serialises the commits of every transaction that sends a
-- NOTIFY: such a transaction takes a lock at pre-commit and holds it until
-- its commit record is flushed, so NOTIFYing commits flush one at a time,
-- never as a group. Every submit() and every engine batch notified; under a
-- load of 500 votes a second, backends waiting for that lock were the most
-- frequent wait of the server (more than CPU, more than the WAL flush).
--
-- With p_notify false, submit() and commit_batch() leave the NOTIFY to their
-- caller, which sends it once its transaction has committed, in a
-- transaction of its own that does not wait for the WAL flush (nothing in it
-- needs to be durable: a notification lost in a crash costs a wake-up, which
-- engines and waiting clients recover by reading the tables). The lock is
-- then held for microseconds, and the durable commits flush together. The
-- store does this for the CLI and the engine (engine/store); 008's and 009's
-- forms notify as before, and are redefined below to call these, so each
-- body lives in one place.

CREATE FUNCTION tocsin.submit(p_crisis bigint, p_kind text, p_args jsonb, p_key text, p_notify boolean)
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
    IF p_notify THEN
        PERFORM pg_notify('tocsin_work', '');
    END IF;
    RETURN QUERY SELECT v_seq, false;
END
$$;

CREATE FUNCTION tocsin.commit_batch(p_batch jsonb, p_notify boolean)
RETURNS integer
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_expected integer := jsonb_array_length(p_batch);
    -- The batch's crises: every statement below finds its rows by these ids
    -- (an index scan), not by joining a table to the jsonb array, which the
    -- planner takes for a hundred rows and may answer with a sequential scan.
    v_ids bigint[] := ARRAY(SELECT (x ->> 'crisis')::bigint FROM jsonb_array_elements(p_batch) x);
    v_written integer;
    v_stale bigint;
    v_payload text;
    -- Which statements have rows to write: a batch of votes opens no action
    -- run, and a statement costs its planning and a pass over the batch even
    -- when nothing matches.
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
           coalesce(e ->> 'actor', current_user), coalesce(e ->> 'login', session_user),
           e ->> 'kind', e ->> 'state', coalesce(e -> 'detail', '{}')
      FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b (x, i),
           jsonb_array_elements(b.x -> 'audit') WITH ORDINALITY AS a (e, n)
     ORDER BY i, n;

    IF v_votes THEN
        INSERT INTO tocsin.votes (crisis, state, party, vote, actor, reason, at)
        SELECT (b.x ->> 'crisis')::bigint, e ->> 'state', e -> 'detail' ->> 'party', e -> 'detail' ->> 'vote',
               coalesce(e ->> 'actor', current_user), e -> 'detail' ->> 'reason',
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

    -- Timers: a closed crisis has none; an active one loses those cleared and gains those set.
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

-- 008's and 009's forms: the same, notifying inside the transaction.
CREATE OR REPLACE FUNCTION tocsin.submit(p_crisis bigint, p_kind text, p_args jsonb, p_key text)
RETURNS TABLE (seq bigint, duplicate boolean)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT s.seq, s.duplicate FROM tocsin.submit(p_crisis, p_kind, p_args, p_key, true) s;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.commit_batch(p_batch jsonb)
RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
    RETURN tocsin.commit_batch(p_batch, true);
END
$$;

REVOKE ALL ON FUNCTION tocsin.submit(bigint, text, jsonb, text, boolean),
                       tocsin.commit_batch(jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tocsin.submit(bigint, text, jsonb, text, boolean)
   TO tocsin_actor, tocsin_observer, tocsin_admin, tocsin_engine;
GRANT EXECUTE ON FUNCTION tocsin.commit_batch(jsonb, boolean) TO tocsin_engine;
