-- 009: the engine's batch in two round trips.
--
-- tocsin.claim(), pending(), actor() and commit() of 006-008 serve one crisis
-- per call: a batch of a hundred crises cost some three hundred statements
-- and as many round trips. take() claims a batch and returns, with each
-- crisis, everything it must apply and the seats of every actor concerned;
-- commit_batch() writes every transition of the batch in a few set-based
-- statements and sends one NOTIFY. The per-crisis functions stay for
-- operators' hands and older engines.

-- Pending commands in the order they came, for take().
CREATE INDEX commands_pending_by_seq ON tocsin.commands (seq) WHERE applied_at IS NULL;

-- Claims up to p_limit crises with work due by p_now, skipping those another
-- engine holds, oldest work first: the candidates are the crises of the
-- oldest pending commands and of the earliest due timers (eight times the
-- limit of each, read in index order), so a claim costs the same with a
-- backlog of a million as with none, and a backlog drains in the order it
-- came. It returns each with `work`: its pending commands and
-- due timers in the order to apply them, as pending() gives them, in a jsonb
-- array [{"at_ms", "seq", "kind", "actor", "login", "args", "timer"}]. The
-- first row also carries `actors`: {role: {"seats": [...], "admin": bool}} for
-- every role with a command in the batch.
--
-- The work is read by a second statement, after the rows are locked, so it
-- sees everything committed before the lock: a crisis another engine applied
-- between this statement's start and its lock is never applied twice. (That
-- is why this is plpgsql, whose statements each take a new snapshot.) Its
-- statements, like commit_batch()'s, keep one generic plan for the session:
-- with the batch's ids known, the planner would find each custom plan cheaper
-- than the generic one and plan every statement again on every call. The
-- rows are locked FOR NO KEY UPDATE, not FOR UPDATE as claim() does: that
-- still keeps other engines out, but no longer blocks the foreign-key check
-- of a command submitted meanwhile to a crisis in the batch.

-- The claim of take(): the ids of up to p_limit crises with work due by
-- p_now, locked. A function of its own, planned for each call's limit and
-- time: the generic plan that take() keeps for its other statements would
-- expect a tenth of all crises here, and hash them all.
CREATE FUNCTION tocsin.claim_batch(p_limit integer, p_now timestamptz) RETURNS bigint[]
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_ids bigint[];
BEGIN
    SELECT array_agg(x.id ORDER BY x.id) INTO v_ids
      FROM (SELECT c.id
              FROM tocsin.crises c
             WHERE c.id IN (SELECT k.crisis
                              FROM (SELECT k.crisis FROM tocsin.commands k WHERE k.applied_at IS NULL
                                     ORDER BY k.seq LIMIT p_limit * 8) k
                            UNION
                            SELECT t.crisis
                              FROM (SELECT t.crisis FROM tocsin.timers t WHERE t.due <= p_now
                                     ORDER BY t.due LIMIT p_limit * 8) t)
             LIMIT p_limit
               FOR NO KEY UPDATE OF c SKIP LOCKED) x;
    RETURN v_ids;
END
$$;

CREATE FUNCTION tocsin.take(p_limit integer, p_now timestamptz)
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz, work jsonb, actors jsonb)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_ids bigint[];
BEGIN
    v_ids := tocsin.claim_batch(p_limit, p_now);
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH w AS (
        SELECT k.crisis, (extract(epoch FROM k.recorded_at) * 1000)::bigint AS at_ms, k.seq, k.kind,
               k.actor, k.login, k.args, NULL::text AS timer
          FROM tocsin.commands k
         WHERE k.crisis = ANY (v_ids) AND k.applied_at IS NULL
        UNION ALL
        SELECT t.crisis, (extract(epoch FROM t.due) * 1000)::bigint, NULL, 'timer', NULL, NULL, NULL, t.key
          FROM tocsin.timers t
         WHERE t.crisis = ANY (v_ids) AND t.due <= p_now
    ), per_crisis AS (
        SELECT w.crisis,
               jsonb_agg(jsonb_build_object('at_ms', w.at_ms, 'seq', w.seq, 'kind', w.kind, 'actor', w.actor,
                                            'login', w.login, 'args', w.args, 'timer', w.timer)
                         ORDER BY w.at_ms, (w.seq IS NULL), w.seq, w.timer) AS work
          FROM w
         GROUP BY w.crisis
    ), seats AS (
        SELECT jsonb_object_agg(r.actor, jsonb_build_object('seats', to_jsonb(a.seats), 'admin', a.admin)) AS actors
          FROM (SELECT DISTINCT w.actor FROM w WHERE w.actor IS NOT NULL) r,
               LATERAL tocsin.actor(r.actor) a
    )
    SELECT c.id, c.playbook, c.version, c.state, c.revision, c.title, c.severity, c.mode, c.parties,
           c.initiator, c.inputs, c.created_at, coalesce(p.work, '[]'),
           CASE WHEN c.id = (SELECT min(x) FROM unnest(v_ids) x) THEN (SELECT s.actors FROM seats s) END
      FROM tocsin.crises c
      LEFT JOIN per_crisis p ON p.crisis = c.id
     WHERE c.id = ANY (v_ids)
     ORDER BY c.id;
END
$$;

-- Writes the transitions of a batch of claimed crises, each as commit() does
-- (state guarded by its revision, audit events in order, the records derived
-- from them, timers, results of commands), as one statement per table:
--   p_batch: [{"crisis", "revision", "state", "audit", "timers", "cleared", "commands"}, ...]
-- with audit, timers, cleared and commands shaped as commit()'s parameters.
-- A crisis may appear once. Sends one NOTIFY tocsin_applied whose payload
-- lists the crises, comma-separated (empty when the list would not fit in a
-- payload: a listener then reads what it waits for). Returns the number of
-- crises written.
CREATE FUNCTION tocsin.commit_batch(p_batch jsonb)
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

    v_payload := array_to_string(v_ids, ',');
    PERFORM pg_notify('tocsin_applied', CASE WHEN octet_length(v_payload) < 8000 THEN v_payload ELSE '' END);
    RETURN v_expected;
END
$$;

-- The earliest due time of any timer, in epoch milliseconds (NULL when none).
CREATE FUNCTION tocsin.next_due() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT (extract(epoch FROM min(due)) * 1000)::bigint FROM tocsin.timers
$$;

-- SQL-language functions that cannot be inlined (they hold subqueries, or run
-- as their owner) are planned again on every call: tenths of a millisecond
-- each time a command is submitted, a row is read under row-level security,
-- or a batch reads its actors' seats. The same bodies in plpgsql keep their
-- plans for the session. Privileges stay as they were.
CREATE OR REPLACE FUNCTION tocsin.member_of(p_role name, p_group name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_role)
                THEN pg_has_role(p_role, p_group, 'MEMBER') ELSE false END;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.is_admin(p_role name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = p_role), false)
        OR p_role = (SELECT n.nspowner::regrole::name FROM pg_namespace n WHERE n.nspname = 'tocsin')
        OR tocsin.member_of(p_role, 'tocsin_admin');
END
$$;

CREATE OR REPLACE FUNCTION tocsin.actor(p_role name)
RETURNS TABLE (seats text[], admin boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
BEGIN
    RETURN QUERY
    SELECT coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM tocsin.seats s WHERE s.actor = p_role), '{}'),
           tocsin.is_admin(p_role);
END
$$;

CREATE OR REPLACE FUNCTION tocsin.may_read(p_role name, p_crisis bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = tocsin, pg_catalog AS $$
BEGIN
    RETURN tocsin.is_admin(p_role) OR tocsin.member_of(p_role, 'tocsin_engine')
        OR EXISTS (
            SELECT 1 FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version
             WHERE c.id = p_crisis
               AND (EXISTS (SELECT 1 FROM tocsin.seats s
                             WHERE s.actor = p_role AND (p.content -> 'roles') ? split_part(s.seat, '/', 1)
                               AND (split_part(s.seat, '/', 2) = '' OR split_part(s.seat, '/', 2) = ANY (c.parties)))
                    OR EXISTS (SELECT 1 FROM tocsin.observers o
                                WHERE o.actor = p_role AND (p.content -> 'observers') ? o.organisation)));
END
$$;

CREATE OR REPLACE FUNCTION tocsin.state_role(p_content jsonb, p_path text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    n jsonb := tocsin.state_node(p_content, p_path);
BEGIN
    RETURN coalesce(n ->> 'assignee', n -> 'approvers' ->> 'role');
END
$$;

CREATE OR REPLACE FUNCTION tocsin.holds_role_of(p_role name, p_content jsonb, p_listed jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM tocsin.seats s
         WHERE s.actor = p_role
           AND split_part(s.seat, '/', 1) IN (SELECT jsonb_array_elements_text(p_listed)
                                              UNION ALL
                                              SELECT jsonb_object_keys(p_content -> 'roles') WHERE p_listed IS NULL));
END
$$;

REVOKE ALL ON FUNCTION tocsin.claim_batch(integer, timestamptz), tocsin.take(integer, timestamptz),
                       tocsin.commit_batch(jsonb), tocsin.next_due() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tocsin.claim_batch(integer, timestamptz), tocsin.take(integer, timestamptz),
                          tocsin.commit_batch(jsonb), tocsin.next_due()
   TO tocsin_engine;
