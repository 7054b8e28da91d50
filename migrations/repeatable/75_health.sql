-- Health (docs/architecture.md, "Health"): the engines' heartbeats, and what
-- `tocsin status` and the board's /metrics read, each in one round trip.
--
-- An engine is alive while it was seen in the last 15 s (it beats at least
-- every 5 s: daemon/heartbeat.h). The counts are over every crisis, whoever
-- asks: they say how much waits, never what. Which engine runs where (host
-- and pid) is shown to tocsin_admin and the engines only (docs/security.md).

-- Whether p_role is one of tocsin's: an administrator, or a member of one of its group roles.
CREATE OR REPLACE FUNCTION tocsin.is_tocsin_role(p_role name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN tocsin.is_admin(p_role) OR tocsin.member_of(p_role, 'tocsin_engine')
        OR tocsin.member_of(p_role, 'tocsin_actor') OR tocsin.member_of(p_role, 'tocsin_observer');
END
$$;

-- Registers a starting engine and returns its id. Rows of engines not seen
-- for a day go first: engines that were killed, or whose host was lost, and
-- left their rows behind (a row stays that long for operators to see which
-- engine stopped beating, and when).
CREATE OR REPLACE FUNCTION tocsin.engine_register(p_host text, p_pid integer, p_version text,
                                                  p_started_at timestamptz) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_role name := tocsin.acting_role();
    v_id uuid;
BEGIN
    IF NOT tocsin.member_of(v_role, 'tocsin_engine') AND NOT tocsin.is_admin(v_role) THEN
        RAISE EXCEPTION '% may not register an engine (only an engine may)', v_role USING ERRCODE = 'TC005';
    END IF;
    IF p_host IS NULL OR octet_length(p_host) NOT BETWEEN 1 AND 255 OR p_pid IS NULL OR p_pid < 1
       OR p_version IS NULL OR octet_length(p_version) NOT BETWEEN 1 AND 64 OR p_started_at IS NULL THEN
        RAISE EXCEPTION 'an engine registers with its host (1 to 255 bytes), pid, version and start time'
            USING ERRCODE = 'TC003';
    END IF;
    DELETE FROM tocsin.engines e WHERE e.last_seen < clock_timestamp() - interval '1 day';
    INSERT INTO tocsin.engines (host, pid, version, role, started_at)
    VALUES (p_host, p_pid, p_version, v_role, p_started_at)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- An engine's heartbeat: seen now, having committed p_batches batches with
-- work since it started. False when its row is gone (removed as a day stale,
-- or by hand): the engine registers again.
CREATE OR REPLACE FUNCTION tocsin.engine_beat(p_id uuid, p_batches bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_role name := tocsin.acting_role();
BEGIN
    IF NOT tocsin.member_of(v_role, 'tocsin_engine') AND NOT tocsin.is_admin(v_role) THEN
        RAISE EXCEPTION '% may not beat for an engine (only an engine may)', v_role USING ERRCODE = 'TC005';
    END IF;
    IF p_batches IS NULL OR p_batches < 0 THEN
        RAISE EXCEPTION 'an engine beats with the batches it has committed (got %)', p_batches
            USING ERRCODE = 'TC003';
    END IF;
    UPDATE tocsin.engines e SET last_seen = clock_timestamp(), batches = p_batches
     WHERE e.id = p_id AND (e.role = v_role OR tocsin.is_admin(v_role));
    RETURN FOUND;
END
$$;

-- A stopping engine removes its row. False when there was none.
CREATE OR REPLACE FUNCTION tocsin.engine_leave(p_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_role name := tocsin.acting_role();
BEGIN
    IF NOT tocsin.member_of(v_role, 'tocsin_engine') AND NOT tocsin.is_admin(v_role) THEN
        RAISE EXCEPTION '% may not remove an engine (only an engine may)', v_role USING ERRCODE = 'TC005';
    END IF;
    DELETE FROM tocsin.engines e WHERE e.id = p_id AND (e.role = v_role OR tocsin.is_admin(v_role));
    RETURN FOUND;
END
$$;

-- What `tocsin status` says, in one row: the engines (every row, oldest
-- first, each with whether it is alive and how long ago it was seen, in ms;
-- host and pid null for anyone but tocsin_admin and the engines), the
-- commands no engine has applied yet and the age of the oldest, the timers
-- due and not fired and how late the most overdue one is, and the deliveries
-- queued and failed. Ages are the server's clock's, null when there is
-- nothing. Not STABLE: it reads the clock as it runs (clock_timestamp), not
-- the transaction's start, so a caller in a long transaction is told the truth.
CREATE OR REPLACE FUNCTION tocsin.status()
RETURNS TABLE (engines jsonb, pending_commands bigint, oldest_pending_ms bigint, overdue_timers bigint,
               most_overdue_ms bigint, notifications_queued bigint, notifications_failed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_role name := tocsin.acting_role();
    v_full boolean := tocsin.is_admin(v_role) OR tocsin.member_of(v_role, 'tocsin_engine');
    v_now timestamptz := clock_timestamp();
BEGIN
    IF NOT tocsin.is_tocsin_role(v_role) THEN
        RAISE EXCEPTION '% may not read the status (a member of a tocsin group role may)', v_role
            USING ERRCODE = 'TC005';
    END IF;
    RETURN QUERY
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', e.id, 'host', CASE WHEN v_full THEN e.host END, 'pid', CASE WHEN v_full THEN e.pid END,
                'version', e.version,
                'started_at', to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'last_seen', to_char(e.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'seen_ms_ago', greatest(0, (extract(epoch FROM v_now - e.last_seen) * 1000)::bigint),
                'alive', e.last_seen > v_now - interval '15 seconds', 'batches', e.batches)
                ORDER BY e.started_at, e.id), '[]')
              FROM tocsin.engines e),
           k.pending, (extract(epoch FROM v_now - k.oldest) * 1000)::bigint,
           t.overdue, (extract(epoch FROM v_now - t.earliest) * 1000)::bigint,
           n.queued, n.failed
      FROM (SELECT count(*) AS pending, min(c.recorded_at) AS oldest
              FROM tocsin.commands c WHERE c.applied_at IS NULL) k,
           (SELECT count(*) AS overdue, min(x.due) AS earliest FROM tocsin.timers x WHERE x.due <= v_now) t,
           (SELECT (SELECT count(*) FROM tocsin.notifications q WHERE q.status = 'queued') AS queued,
                   (SELECT count(*) FROM tocsin.notifications f WHERE f.status = 'failed') AS failed) n;
END
$$;

-- What the board's /metrics says, in one row (core/health/metrics.h renders
-- it): crises by status and mode and deliveries by status (only the counts
-- there are: the renderer writes the zeros), the commands pending and the age
-- of the oldest (0 when none), the timers due and not fired, the engines
-- alive, and the escalations ever made (a counter: the escalations table
-- only grows).
CREATE OR REPLACE FUNCTION tocsin.metrics()
RETURNS TABLE (crises jsonb, commands_pending bigint, oldest_pending_ms bigint, timers_overdue bigint,
               engines_alive bigint, notifications jsonb, escalations_total bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_role name := tocsin.acting_role();
    v_now timestamptz := clock_timestamp();
BEGIN
    IF NOT tocsin.is_tocsin_role(v_role) THEN
        RAISE EXCEPTION '% may not read the metrics (a member of a tocsin group role may)', v_role
            USING ERRCODE = 'TC005';
    END IF;
    RETURN QUERY
    SELECT (SELECT coalesce(jsonb_agg(jsonb_build_object('status', g.status, 'mode', g.mode, 'count', g.n)), '[]')
              FROM (SELECT c.status, c.mode, count(*) AS n FROM tocsin.crises c GROUP BY c.status, c.mode) g),
           k.pending, coalesce((extract(epoch FROM v_now - k.oldest) * 1000)::bigint, 0),
           (SELECT count(*) FROM tocsin.timers x WHERE x.due <= v_now),
           (SELECT count(*) FROM tocsin.engines e WHERE e.last_seen > v_now - interval '15 seconds'),
           (SELECT coalesce(jsonb_object_agg(g.status, g.n), '{}')
              FROM (SELECT d.status, count(*) AS n FROM tocsin.notifications d GROUP BY d.status) g),
           (SELECT count(*) FROM tocsin.escalations)
      FROM (SELECT count(*) AS pending, min(c.recorded_at) AS oldest
              FROM tocsin.commands c WHERE c.applied_at IS NULL) k;
END
$$;
