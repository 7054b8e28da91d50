-- 010: claims that pass over crises an engine has set aside.
--
-- A crisis whose transition fails every time (a state edited by hand into
-- something the playbook does not know, a row a constraint refuses) used to
-- fail the whole batch it was claimed in, and since a claim serves the oldest
-- work first, every batch after it: one bad crisis stopped the engine. The
-- engine now sets such a crisis aside for a while (engine/daemon/engine.c)
-- and passes the ids it has set aside to these forms of claim_batch(), take()
-- and next_due(), which leave them out: of the candidates (so a crisis with
-- thousands of pending commands does not fill the claim's window), and of the
-- earliest due time (so its overdue timers do not wake the engine at once,
-- again and again). With an empty array they are 009's, and 009's forms are
-- redefined below to call them, so each body lives in one place; older
-- engines keep calling 009's names.

CREATE FUNCTION tocsin.claim_batch(p_limit integer, p_now timestamptz, p_skip bigint[]) RETURNS bigint[]
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_ids bigint[];
BEGIN
    SELECT array_agg(x.id ORDER BY x.id) INTO v_ids
      FROM (SELECT c.id
              FROM tocsin.crises c
             WHERE c.id IN (SELECT k.crisis
                              FROM (SELECT k.crisis FROM tocsin.commands k
                                     WHERE k.applied_at IS NULL AND k.crisis <> ALL (p_skip)
                                     ORDER BY k.seq LIMIT p_limit * 8) k
                            UNION
                            SELECT t.crisis
                              FROM (SELECT t.crisis FROM tocsin.timers t
                                     WHERE t.due <= p_now AND t.crisis <> ALL (p_skip)
                                     ORDER BY t.due LIMIT p_limit * 8) t)
             LIMIT p_limit
               FOR NO KEY UPDATE OF c SKIP LOCKED) x;
    RETURN v_ids;
END
$$;

CREATE FUNCTION tocsin.take(p_limit integer, p_now timestamptz, p_skip bigint[])
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz, work jsonb, actors jsonb)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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

-- The earliest due time of any timer of a crisis not in p_skip, in epoch
-- milliseconds (NULL when none). Read in due order: the first timer not set
-- aside ends the scan. (plpgsql, so that its plan is kept for the session.)
CREATE FUNCTION tocsin.next_due(p_skip bigint[]) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT (extract(epoch FROM t.due) * 1000)::bigint
              FROM tocsin.timers t
             WHERE t.crisis <> ALL (coalesce(p_skip, '{}'))
             ORDER BY t.due
             LIMIT 1);
END
$$;

-- 009's forms: the same, passing over nothing.
CREATE OR REPLACE FUNCTION tocsin.claim_batch(p_limit integer, p_now timestamptz) RETURNS bigint[]
LANGUAGE plpgsql AS $$
BEGIN
    RETURN tocsin.claim_batch(p_limit, p_now, '{}');
END
$$;

CREATE OR REPLACE FUNCTION tocsin.take(p_limit integer, p_now timestamptz)
RETURNS TABLE (id bigint, playbook text, version integer, state jsonb, revision bigint,
               title text, severity text, mode text, parties text[], initiator name, inputs jsonb,
               created_at timestamptz, work jsonb, actors jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT * FROM tocsin.take(p_limit, p_now, '{}');
END
$$;

CREATE OR REPLACE FUNCTION tocsin.next_due() RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN tocsin.next_due('{}'::bigint[]);
END
$$;

REVOKE ALL ON FUNCTION tocsin.claim_batch(integer, timestamptz, bigint[]),
                       tocsin.take(integer, timestamptz, bigint[]), tocsin.next_due(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tocsin.claim_batch(integer, timestamptz, bigint[]),
                          tocsin.take(integer, timestamptz, bigint[]), tocsin.next_due(bigint[])
   TO tocsin_engine;
