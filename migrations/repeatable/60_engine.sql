-- The engine's batch in two round trips (docs/architecture.md, "The engine").
-- The engine reads, and writes only through these functions, which run as the
-- schema's owner.
--
-- take() claims up to p_limit crises with work due by p_now, passing over
-- those an engine set aside (p_skip), and returns each with its work (pending
-- commands and due timers, in the order to apply them; a command with the
-- delegations that cover it and, when signed, its signature and idempotency
-- key) and, on the first row, the seats of every actor concerned and the
-- keys, as registered now, of those who signed (the engine checks each
-- signature against them, and the playbook's sha256 it read with the
-- playbook). What is the same for many commands comes once a batch: a
-- lookup per command was a third of a signed batch's take(). claim_batch() is the claim itself, a
-- function of its own so that it is planned for each call's limit and time;
-- take()'s other statements keep one generic plan for the session. Rows are
-- locked FOR NO KEY UPDATE SKIP LOCKED: other engines are kept out, but a
-- command submitted meanwhile to a crisis of the batch does not wait. The
-- candidates are the crises of the oldest pending commands and the earliest
-- due timers, read in index order, so a claim costs the same with any backlog
-- (the window is what two batches take: while one holds the first crises of
-- a backlog, the next claim still finds a full batch behind them; with a
-- window of one batch's worth the second got a third of a batch, and the two
-- went in step).
-- They are taken in turns, the oldest command's crisis, the earliest timer's,
-- the next command's, and so on: when a thousand deadlines fall due at once,
-- a vote cast meanwhile goes into the next batch rather than behind them all,
-- and a flood of votes leaves half of each batch to the deadlines. Each
-- source drains in its own order.
CREATE OR REPLACE FUNCTION tocsin.claim_batch(p_limit integer, p_now timestamptz, p_skip bigint[]) RETURNS bigint[]
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tocsin, pg_temp SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_ids bigint[];
BEGIN
    WITH commanded AS (
        SELECT k.crisis, row_number() OVER (ORDER BY min(k.seq)) * 2 AS turn
          FROM (SELECT k.crisis, k.seq FROM tocsin.commands k
                 WHERE k.applied_at IS NULL AND k.crisis <> ALL (p_skip)
                 ORDER BY k.seq LIMIT p_limit * 16) k
         GROUP BY k.crisis
    ), due AS (
        SELECT t.crisis, row_number() OVER (ORDER BY min(t.due)) * 2 + 1 AS turn
          FROM (SELECT t.crisis, t.due FROM tocsin.timers t
                 WHERE t.due <= p_now AND t.crisis <> ALL (p_skip)
                 ORDER BY t.due LIMIT p_limit * 16) t
         GROUP BY t.crisis
    ), candidates AS (
        SELECT w.crisis, min(w.turn) AS turn
          FROM (SELECT * FROM commanded UNION ALL SELECT * FROM due) w
         GROUP BY w.crisis
    )
    SELECT array_agg(x.id ORDER BY x.id) INTO v_ids
      FROM (SELECT c.id
              FROM tocsin.crises c
              JOIN candidates w ON w.crisis = c.id
             ORDER BY w.turn
             LIMIT p_limit
               FOR NO KEY UPDATE OF c SKIP LOCKED) x;
    RETURN v_ids;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.take(p_limit integer, p_now timestamptz, p_skip bigint[])
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz, work jsonb, actors jsonb)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tocsin, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_ids bigint[];
BEGIN
    v_ids := tocsin.claim_batch(p_limit, p_now, coalesce(p_skip, '{}'));
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH w AS (
        SELECT k.crisis, (extract(epoch FROM k.recorded_at) * 1000)::bigint AS at_ms, k.seq, k.kind,
               k.actor, k.login, k.args, NULL::text AS timer,
               (SELECT jsonb_agg(jsonb_build_object('seat', d.seat, 'holder', d.holder) ORDER BY d.seat)
                  FROM tocsin.delegations d
                 WHERE d.delegate = k.actor AND d.crisis = k.crisis AND d.granted_seq < k.seq
                   AND (d.revoked_seq IS NULL OR d.revoked_seq >= k.seq)
                   AND (d.until IS NULL OR d.until >= k.recorded_at)) AS delegated,
               k.signature, CASE WHEN k.signature IS NOT NULL THEN k.idem_key END AS idem_key
          FROM tocsin.commands k
         WHERE k.crisis = ANY (v_ids) AND k.applied_at IS NULL
        UNION ALL
        SELECT t.crisis, (extract(epoch FROM t.due) * 1000)::bigint, NULL, 'timer', NULL, NULL, NULL, t.key, NULL, NULL,
               NULL
          FROM tocsin.timers t
         WHERE t.crisis = ANY (v_ids) AND t.due <= p_now
    ), per_crisis AS (
        SELECT w.crisis,
               jsonb_agg(jsonb_build_object('at_ms', w.at_ms, 'seq', w.seq, 'kind', w.kind, 'actor', w.actor,
                                            'login', w.login, 'args', w.args, 'timer', w.timer,
                                            'delegated', w.delegated, 'signature', w.signature,
                                            'idem_key', w.idem_key)
                         ORDER BY w.at_ms, (w.seq IS NULL), w.seq, w.timer) AS work
          FROM w
         GROUP BY w.crisis
    ), seats AS (
        -- An actor who signed a command of the batch comes with their keys as registered now.
        SELECT jsonb_object_agg(r.actor, jsonb_build_object('seats', to_jsonb(a.seats), 'admin', a.admin)
                                         || CASE WHEN r.signed THEN jsonb_build_object('keys', (
                                                SELECT coalesce(jsonb_object_agg(y.key_id, jsonb_build_object(
                                                           'public_key', y.public_key, 'revoked', y.revoked_at IS NOT NULL)),
                                                       '{}')
                                                  FROM tocsin.keys y WHERE y.role = r.actor))
                                            ELSE '{}' END) AS actors
          FROM (SELECT w.actor, bool_or(w.signature IS NOT NULL) AS signed FROM w WHERE w.actor IS NOT NULL
                 GROUP BY w.actor) r,
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

-- Writes the transitions of a batch of claimed crises, one statement per
-- table: state guarded by its revision, audit events in order, the records
-- derived from them (the outbox of notifications too), timers, results of
-- commands.
--   p_batch: [{"crisis", "revision", "state", "audit", "timers", "cleared", "commands"}, ...]
-- A `notified` event of "audit" may carry, beside its detail and outside the
-- audit, "notices": {seat: what to tell that seat}, the payload of its
-- deliveries.
-- An audit event in a person's name must come from that person's command,
-- applied in this batch (a vote: the vote they cast; an amendment: their
-- amend command, with its reason; a delegation or its end: their command,
-- with its seat and reason), and a seat's holder named beside a delegate
-- must have delegated the seat to them (a delegation covering the command);
-- events in no one's name are the engine's, under its own role, and never a
-- vote, a completion, an acknowledgement, an amendment or a delegation,
-- which only people make. The crisis's inputs are written from
-- its state (an amendment changes them). With p_notify, one NOTIFY
-- tocsin_applied lists the crises (the store sends it after the commit).
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
    v_notified boolean;
BEGIN
    IF v_expected = 0 THEN
        RETURN 0;
    END IF;
    SELECT coalesce(bool_or(e ->> 'kind' = 'vote'), false),
           coalesce(bool_or(e ->> 'kind' = 'entered' AND e -> 'detail' ->> 'type' = 'approval'), false),
           coalesce(bool_or(e ->> 'kind' = 'left' AND e -> 'detail' ? 'tally'), false),
           coalesce(bool_or(e ->> 'kind' = 'escalated'), false),
           coalesce(bool_or(e ->> 'kind' = 'action_started'), false),
           coalesce(bool_or(e ->> 'kind' = 'action_finished'), false),
           coalesce(bool_or(e ->> 'kind' = 'notified'), false)
      INTO v_votes, v_opened, v_closed, v_escalated, v_started, v_finished, v_notified
      FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e);
    SELECT coalesce(bool_or(b.x -> 'state' ->> 'status' <> 'active' OR jsonb_array_length(b.x -> 'cleared') > 0), false),
           coalesce(bool_or(jsonb_array_length(b.x -> 'timers') > 0), false)
      INTO v_untimed, v_timed
      FROM jsonb_array_elements(p_batch) AS b (x);

    -- Nobody's name on what they did not do.
    SELECT (b.x ->> 'crisis')::bigint AS crisis, e ->> 'kind' AS kind, e ->> 'actor' AS actor,
           e ->> 'login' AS login INTO v_forged
      FROM jsonb_array_elements(p_batch) AS b (x), jsonb_array_elements(b.x -> 'audit') AS a (e)
     WHERE (e ->> 'actor' IS NULL
            AND (e ->> 'kind' IN ('vote', 'completed', 'acked', 'amended', 'delegated', 'undelegated') OR e ? 'signature'))
        OR (e ->> 'actor' IS NOT NULL
       AND NOT EXISTS (
           SELECT 1
             FROM jsonb_to_recordset(b.x -> 'commands') AS r (seq bigint), tocsin.commands k
            WHERE k.crisis = (b.x ->> 'crisis')::bigint AND k.seq = r.seq AND k.applied_at IS NULL
              AND k.actor = e ->> 'actor' AND k.login = e ->> 'login'
              AND (e ->> 'kind' NOT IN ('vote', 'amended', 'delegated', 'undelegated')
                   OR (k.kind = 'vote' AND k.args ->> 'vote' = e -> 'detail' ->> 'vote'
                       AND (k.args ->> 'party' IS NULL OR k.args ->> 'party' = e -> 'detail' ->> 'party')
                       AND (k.args ->> 'reason') IS NOT DISTINCT FROM (e -> 'detail' ->> 'reason'))
                   OR (k.kind = 'amend' AND (k.args ->> 'reason') IS NOT DISTINCT FROM (e -> 'detail' ->> 'reason'))
                   OR ((k.kind, e ->> 'kind') IN (('delegate', 'delegated'), ('undelegate', 'undelegated'))
                       AND k.args ->> 'seat' = e -> 'detail' ->> 'seat'
                       AND (k.args ->> 'reason') IS NOT DISTINCT FROM (e -> 'detail' ->> 'reason')))
              -- A signature on an event is the one its command came with (vote, completion, acknowledgement):
              -- the event names the command (its seq), and its signature is copied from it below.
              AND (NOT (e ? 'signature') OR (e ->> 'kind' IN ('vote', 'completed', 'acked')
                                             AND jsonb_typeof(e -> 'signature') = 'number'
                                             AND k.seq = (e ->> 'signature')::bigint AND k.signature IS NOT NULL))
              -- A holder named beside the actor: a delegation to the actor from that holder covers the command.
              AND (NOT (e -> 'detail' ? 'holder') OR EXISTS (
                   SELECT 1 FROM tocsin.delegations d
                    WHERE d.crisis = k.crisis AND d.seat = e -> 'detail' ->> 'seat' AND d.delegate = k.actor
                      AND d.holder = e -> 'detail' ->> 'holder' AND d.granted_seq < k.seq
                      AND (d.revoked_seq IS NULL OR d.revoked_seq >= k.seq)))))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'crisis %: an event % in the name of % (login %) that no command of theirs in the batch asked for',
            v_forged.crisis, v_forged.kind, coalesce(v_forged.actor, 'no one'), coalesce(v_forged.login, 'none')
            USING ERRCODE = 'TC005';
    END IF;

    -- The state, guarded by its revision, and the batch's audit events with
    -- their chain links, in one statement. The links are computed set-based
    -- from the head each crisis row records (the row is locked since take, so
    -- no other writer can append meanwhile): a recursive walk that links the
    -- first event of every crisis, then the second, and so on; the new head is
    -- written in the same row update as the state. The recipe is
    -- audit_canonical()/audit_hash(), as for every other writer.
    WITH RECURSIVE events AS MATERIALIZED (
        SELECT (b.x ->> 'crisis')::bigint AS crisis, a.n, to_timestamp((a.e ->> 'at_ms')::bigint / 1000.0) AS at,
               coalesce(a.e ->> 'actor', v_engine) AS actor,
               CASE WHEN a.e ->> 'actor' IS NULL THEN session_user ELSE a.e ->> 'login' END AS login,
               a.e ->> 'kind' AS kind, a.e ->> 'state' AS state, coalesce(a.e -> 'detail', '{}') AS detail,
               a.e -> 'notices' AS notices,
               CASE WHEN a.e ? 'signature' THEN
                   (SELECT k.signature FROM tocsin.commands k
                     WHERE k.crisis = (b.x ->> 'crisis')::bigint AND k.seq = (a.e ->> 'signature')::bigint) END
                   AS signature
          FROM jsonb_array_elements(p_batch) AS b (x),
               jsonb_array_elements(b.x -> 'audit') WITH ORDINALITY AS a (e, n)
    ), links AS (
        SELECT e.crisis, e.n, h.seq, h.prev_hash,
               tocsin.audit_hash(h.prev_hash, tocsin.audit_canonical(h.seq, e.crisis, e.at, e.actor, e.login, e.kind,
                                                                     e.state, e.detail, e.signature)) COLLATE "C" AS hash
          FROM events e
          JOIN tocsin.crises c ON c.id = e.crisis,
               LATERAL (SELECT c.audit_seq + 1 AS seq, coalesce(c.audit_hash, repeat('0', 64)) COLLATE "C" AS prev_hash) h
         WHERE e.n = 1
        UNION ALL
        SELECT e.crisis, e.n, l.seq + 1, l.hash,
               tocsin.audit_hash(l.hash, tocsin.audit_canonical(l.seq + 1, e.crisis, e.at, e.actor, e.login, e.kind,
                                                                e.state, e.detail, e.signature)) COLLATE "C"
          FROM links l
          JOIN events e ON e.crisis = l.crisis AND e.n = l.n + 1
    ), appended AS (
        INSERT INTO tocsin.audit (crisis, seq, at, actor, login, kind, state, detail, signature, prev_hash, hash)
        SELECT l.crisis, l.seq, e.at, e.actor, e.login, e.kind, e.state, e.detail, e.signature, l.prev_hash, l.hash
          FROM links l
          JOIN events e ON e.crisis = l.crisis AND e.n = l.n
         ORDER BY l.crisis, l.seq
    ), outbox AS (
        -- The deliveries of the batch's `notified` events (the outbox): one
        -- per contact of each notified seat (a contact on ROLE/PARTY is that
        -- seat's, one on ROLE every seat of the role), or one 'no contact'.
        -- What to say comes with the event, beside it ("notices", by seat),
        -- not in its audited detail. v_notified is false for a batch without
        -- such events, and the plan's one-time filter then skips the join.
        INSERT INTO tocsin.notifications (crisis, audit_seq, at, state, level, seat, channel, address, format, tz,
                                          payload, status, next_at)
        SELECT l.crisis, l.seq, e.at, e.state, coalesce((e.detail ->> 'level')::integer, 0), s.seat,
               coalesce(k.channel, 'none'), k.address, k.format, k.tz, coalesce(e.notices -> s.seat, '{}'),
               CASE WHEN k.id IS NULL THEN 'no contact' ELSE 'queued' END,
               CASE WHEN k.id IS NULL THEN NULL ELSE now() END
          FROM links l
          JOIN events e ON e.crisis = l.crisis AND e.n = l.n
         CROSS JOIN LATERAL jsonb_array_elements_text(e.detail -> 'seats') AS s (seat)
          LEFT JOIN tocsin.contacts k ON k.seat IN (s.seat, split_part(s.seat, '/', 1))
         WHERE v_notified AND e.kind = 'notified'
         ORDER BY l.crisis, l.seq, s.seat, k.id
    ), heads AS (
        SELECT DISTINCT ON (l.crisis) l.crisis, l.seq, l.hash FROM links l ORDER BY l.crisis, l.seq DESC
    )
    UPDATE tocsin.crises c
       SET state = b.x -> 'state',
           inputs = coalesce(b.x -> 'state' -> 'inputs', c.inputs),
           status = b.x -> 'state' ->> 'status',
           outcome = b.x -> 'state' ->> 'outcome',
           severity = b.x -> 'state' ->> 'severity',
           escalation_level = coalesce((b.x -> 'state' ->> 'escalation_level')::integer, 0),
           closed_at = CASE WHEN b.x -> 'state' ? 'closed_at'
                            THEN to_timestamp((b.x -> 'state' ->> 'closed_at')::bigint / 1000.0) END,
           revision = c.revision + 1,
           audit_seq = coalesce(h.seq, c.audit_seq),
           audit_hash = coalesce(h.hash, c.audit_hash)
      FROM jsonb_array_elements(p_batch) AS b (x)
      LEFT JOIN heads h ON h.crisis = (b.x ->> 'crisis')::bigint
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

    IF v_votes THEN
        INSERT INTO tocsin.votes (crisis, state, party, vote, actor, holder, reason, at)
        SELECT (b.x ->> 'crisis')::bigint, e ->> 'state', e -> 'detail' ->> 'party', e -> 'detail' ->> 'vote',
               coalesce(e ->> 'actor', v_engine), e -> 'detail' ->> 'holder', e -> 'detail' ->> 'reason',
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

-- The earliest due time of any timer of a crisis not in p_skip, in epoch
-- milliseconds (NULL when none).
CREATE OR REPLACE FUNCTION tocsin.next_due(p_skip bigint[]) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    RETURN (SELECT (extract(epoch FROM t.due) * 1000)::bigint
              FROM tocsin.timers t
             WHERE t.crisis <> ALL (coalesce(p_skip, '{}'))
             ORDER BY t.due
             LIMIT 1);
END
$$;

-- One crisis locked for a batch that writes the results of its actions
-- (the columns of take(), without the work).
CREATE OR REPLACE FUNCTION tocsin.lock_crisis(p_id bigint)
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
    SELECT c.id, c.playbook, c.version, c.state, c.revision, c.title, c.severity, c.mode, c.parties,
           c.initiator, c.inputs, c.created_at
      FROM tocsin.crises c WHERE c.id = p_id FOR NO KEY UPDATE
$$;

-- Records that an engine set a crisis aside: set aside again at the same
-- revision, one more failure; at a later one, a new record.
CREATE OR REPLACE FUNCTION tocsin.record_set_aside(p_crisis bigint, p_revision bigint, p_engine text, p_reason text,
                                        p_until timestamptz) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
    INSERT INTO tocsin.set_aside AS s (crisis, revision, engine, reason, until)
    VALUES (p_crisis, p_revision, left(p_engine, 200), left(p_reason, 4000), p_until)
    ON CONFLICT (crisis) DO UPDATE SET engine = excluded.engine, reason = excluded.reason,
        until = excluded.until, revision = excluded.revision,
        failures = CASE WHEN s.revision = excluded.revision THEN s.failures + 1 ELSE 1 END,
        since = CASE WHEN s.revision = excluded.revision THEN s.since ELSE excluded.since END
$$;
