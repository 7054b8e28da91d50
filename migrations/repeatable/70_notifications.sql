-- Contacts and notifications (docs/architecture.md, "Notifications"): managing
-- contacts (tocsin_admin), reading a crisis's notifications, and the engine's
-- side of delivery. The outbox itself is written by commit_batch
-- (60_engine.sql), in the transition's transaction.

-- An address as those who are not tocsin_admin see it: a webhook URL is a
-- secret past its host (a Slack webhook URL is a bearer token), so only
-- scheme://host/… is shown; an e-mail address as it is.
CREATE OR REPLACE FUNCTION tocsin.redact_address(p_channel text, p_address text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN p_channel = 'webhook' AND p_address IS NOT NULL
                THEN coalesce(substring(p_address FROM '^[A-Za-z]+://[^/?#]+'), '') || '/…'
                ELSE p_address END
$$;

-- Adds a contact for a seat (ROLE or ROLE/PARTY). The CLI checked the shapes
-- already (core/input/contact.c); the table's CHECKs say the same, and the
-- time zone must be one PostgreSQL knows. Returns the contact's id.
CREATE OR REPLACE FUNCTION tocsin.contact_add(p_seat text, p_channel text, p_address text, p_format text,
                                              p_tz text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_id bigint;
    v_format text := CASE WHEN p_channel = 'webhook' THEN coalesce(p_format, 'json') ELSE p_format END;
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not manage contacts (only tocsin_admin may)', tocsin.acting_role()
            USING ERRCODE = 'TC005';
    END IF;
    IF p_seat IS NULL OR p_seat !~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$' THEN
        RAISE EXCEPTION 'invalid seat "%": a playbook role, optionally /PARTY (council/KZ)', p_seat
            USING ERRCODE = 'TC003';
    END IF;
    IF p_channel IS NULL OR p_channel NOT IN ('email', 'webhook') THEN
        RAISE EXCEPTION 'invalid channel "%": email or webhook', p_channel USING ERRCODE = 'TC003';
    END IF;
    IF p_tz IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = p_tz) THEN
        RAISE EXCEPTION 'unknown time zone "%": an IANA name such as Europe/Moscow', p_tz USING ERRCODE = 'TC003';
    END IF;
    BEGIN
        INSERT INTO tocsin.contacts (seat, channel, address, format, tz, added_by)
        VALUES (p_seat, p_channel, p_address, v_format, p_tz, tocsin.acting_role())
        RETURNING id INTO v_id;
    EXCEPTION
        WHEN check_violation OR not_null_violation THEN
            RAISE EXCEPTION 'invalid % "%"%', CASE WHEN p_channel = 'email' THEN 'e-mail address' ELSE 'webhook' END,
                CASE WHEN p_channel = 'webhook' THEN tocsin.redact_address(p_channel, p_address) ELSE p_address END,
                CASE WHEN p_channel = 'webhook' THEN ' (an http:// or https:// URL, format json or slack)' ELSE '' END
                USING ERRCODE = 'TC003';
        WHEN unique_violation THEN
            RAISE EXCEPTION 'seat % already has the contact %', p_seat, tocsin.redact_address(p_channel, p_address)
                USING ERRCODE = 'TC006';
    END;
    RETURN v_id;
END
$$;

-- Removes a seat's contact with that address, or every contact of the seat
-- when p_address is NULL. Returns how many; none is TC004.
CREATE OR REPLACE FUNCTION tocsin.contact_remove(p_seat text, p_address text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_removed integer;
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not manage contacts (only tocsin_admin may)', tocsin.acting_role()
            USING ERRCODE = 'TC005';
    END IF;
    DELETE FROM tocsin.contacts k WHERE k.seat = p_seat AND (p_address IS NULL OR k.address = p_address);
    GET DIAGNOSTICS v_removed = ROW_COUNT;
    IF v_removed = 0 THEN
        RAISE EXCEPTION 'seat % has no contact%', p_seat,
            CASE WHEN p_address IS NULL THEN '' ELSE ' ' || tocsin.redact_address(
                CASE WHEN p_address ~ '^https?://' THEN 'webhook' ELSE 'email' END, p_address) END
            USING ERRCODE = 'TC004';
    END IF;
    RETURN v_removed;
END
$$;

-- The notifications of a crisis the caller may read (else "no crisis N",
-- TC004, as for a crisis that does not exist), oldest first; a webhook's
-- address redacted for anyone but tocsin_admin (and the engine).
CREATE OR REPLACE FUNCTION tocsin.notifications_of(p_crisis bigint)
RETURNS TABLE (delivery uuid, at timestamptz, state text, level integer, seat text, channel text, address text,
               status text, attempts integer, last_error text, sent_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_role name := tocsin.acting_role();
    v_full boolean := tocsin.is_admin(v_role) OR tocsin.member_of(v_role, 'tocsin_engine');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tocsin.crises c WHERE c.id = p_crisis) OR NOT tocsin.may_read(v_role, p_crisis) THEN
        RAISE EXCEPTION 'no crisis %', p_crisis USING ERRCODE = 'TC004';
    END IF;
    RETURN QUERY
    SELECT n.delivery, n.at, n.state, n.level, n.seat, n.channel,
           CASE WHEN v_full THEN n.address ELSE tocsin.redact_address(n.channel, n.address) END,
           n.status, n.attempts, n.last_error, n.sent_at
      FROM tocsin.notifications n
     WHERE n.crisis = p_crisis
     ORDER BY n.id;
END
$$;

-- The engine's side of delivery (the deliverer itself is daemon/deliver.c).
--
-- take_deliveries() claims up to p_limit queued deliveries that are due,
-- oldest first, and leases them for p_lease_seconds: next_at moves past the
-- lease, so another engine, which skips the rows locked meanwhile, skips them
-- after the commit too; a delivery whose engine died is due again when its
-- lease ends (at least once). It returns what a deliverer needs: the stable id
-- (the receiver's Message-ID or Idempotency-Key), the crisis, where and how
-- to deliver, what to say, and the attempts so far.
CREATE OR REPLACE FUNCTION tocsin.take_deliveries(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (id uuid, crisis bigint, channel text, address text, format text, tz text, payload jsonb,
               attempts integer)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tocsin, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT tocsin.member_of(tocsin.acting_role(), 'tocsin_engine') AND NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not take deliveries (only an engine may)', tocsin.acting_role() USING ERRCODE = 'TC005';
    END IF;
    IF p_limit IS NULL OR p_limit < 1 OR p_lease_seconds IS NULL OR p_lease_seconds < 1 THEN
        RAISE EXCEPTION 'take_deliveries needs a limit and a lease of at least 1 (got %, %)', p_limit, p_lease_seconds
            USING ERRCODE = 'TC003';
    END IF;
    RETURN QUERY
    WITH due AS (
        SELECT n.id
          FROM tocsin.notifications n
         WHERE n.status = 'queued' AND n.next_at <= clock_timestamp()
         ORDER BY n.next_at, n.id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    )
    UPDATE tocsin.notifications n
       SET next_at = clock_timestamp() + make_interval(secs => p_lease_seconds)
      FROM due
     WHERE n.id = due.id
    RETURNING n.delivery, n.crisis, n.channel, n.address, n.format, n.tz, n.payload, n.attempts;
END
$$;

-- Records how attempts of deliveries ended, many in one statement:
-- p_outcomes is [{"delivery": uuid, "ok": bool, "error": text, "next_at_ms":
-- epoch ms}, ...]: sent (ok), or failed with error, to be tried again at
-- next_at_ms, or never (no next_at_ms: failed for good). attempts counts it.
-- Each attempt's end goes into its crisis's audit as `delivered` or
-- `delivery_failed` (detail: the delivery's id, seat, channel, address as
-- those who are not tocsin_admin see it, attempt, error, retry_at), inserted
-- without its links: the audit's trigger chains them one by one under each
-- crisis row's lock, taken in crisis order (as every writer takes them, so
-- two recorders never wait for each other in a circle). One row per outcome,
-- in the order given: its new status, or why it was not recorded (refusal):
-- it is unknown (refusal_code TC004) or not queued any more, recorded already
-- by an engine whose lease it outlived (TC006); the others are recorded all
-- the same. Malformed input is TC003 and records nothing.
DROP FUNCTION IF EXISTS tocsin.record_delivery(uuid, boolean, text, timestamptz);
CREATE OR REPLACE FUNCTION tocsin.record_deliveries(p_outcomes jsonb)
RETURNS TABLE (delivery uuid, status text, refusal_code text, refusal text)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, tocsin, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_role name := tocsin.acting_role();
BEGIN
    IF NOT tocsin.member_of(v_role, 'tocsin_engine') AND NOT tocsin.is_admin(v_role) THEN
        RAISE EXCEPTION '% may not record deliveries (only an engine may)', v_role USING ERRCODE = 'TC005';
    END IF;
    IF jsonb_typeof(p_outcomes) IS DISTINCT FROM 'array'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_outcomes) o
                   WHERE jsonb_typeof(o) <> 'object'
                      OR jsonb_typeof(o -> 'delivery') IS DISTINCT FROM 'string'
                      OR jsonb_typeof(o -> 'ok') IS DISTINCT FROM 'boolean'
                      OR jsonb_typeof(coalesce(o -> 'error', 'null')) NOT IN ('string', 'null')
                      OR jsonb_typeof(coalesce(o -> 'next_at_ms', 'null')) NOT IN ('number', 'null')) THEN
        RAISE EXCEPTION 'record_deliveries needs an array of {"delivery", "ok", "error", "next_at_ms"}'
            USING ERRCODE = 'TC003';
    END IF;
    IF (SELECT count(*) <> count(DISTINCT o ->> 'delivery') FROM jsonb_array_elements(p_outcomes) o) THEN
        RAISE EXCEPTION 'record_deliveries was given an outcome of one delivery twice' USING ERRCODE = 'TC003';
    END IF;
    RETURN QUERY
    WITH outcome AS (
        SELECT (o ->> 'delivery')::uuid AS delivery, (o ->> 'ok')::boolean AS ok, i,
               CASE WHEN (o ->> 'ok')::boolean THEN NULL ELSE left(coalesce(o ->> 'error', 'failed'), 4000) END AS error,
               to_timestamp((o ->> 'next_at_ms')::bigint / 1000.0) AS next_at
          FROM jsonb_array_elements(p_outcomes) WITH ORDINALITY AS x(o, i)
    ), ended AS (
        SELECT n.id, n.crisis, n.delivery, n.seat, n.channel, n.address, n.level, n.state, n.attempts,
               o.ok, o.error, o.next_at,
               CASE WHEN o.ok THEN 'sent' WHEN o.next_at IS NOT NULL THEN 'queued' ELSE 'failed' END AS status
          FROM tocsin.notifications n
          JOIN outcome o ON o.delivery = n.delivery
         WHERE n.status = 'queued'
         ORDER BY n.crisis, n.id
           FOR UPDATE OF n
    ), updated AS (
        UPDATE tocsin.notifications n
           SET status = e.status, attempts = n.attempts + 1, last_error = e.error,
               next_at = CASE WHEN e.status = 'queued' THEN e.next_at END,
               sent_at = CASE WHEN e.ok THEN clock_timestamp() END
          FROM ended e
         WHERE n.id = e.id
    ), audited AS (
        INSERT INTO tocsin.audit (crisis, at, actor, login, kind, state, detail)
        SELECT e.crisis, clock_timestamp(), v_role, session_user,
               CASE WHEN e.ok THEN 'delivered' ELSE 'delivery_failed' END, e.state,
               jsonb_strip_nulls(jsonb_build_object(
                   'notification', e.delivery, 'seat', e.seat, 'channel', e.channel,
                   'address', tocsin.redact_address(e.channel, e.address), 'attempt', e.attempts + 1,
                   'level', e.level, 'error', e.error,
                   'retry_at', CASE WHEN e.status = 'queued' THEN e.next_at END))
          FROM ended e
         ORDER BY e.crisis, e.id
    )
    SELECT o.delivery, e.status,
           CASE WHEN e.id IS NOT NULL THEN NULL WHEN n.id IS NULL THEN 'TC004' ELSE 'TC006' END,
           CASE WHEN e.id IS NOT NULL THEN NULL
                WHEN n.id IS NULL THEN format('no delivery %s', o.delivery)
                ELSE format('delivery %s is %s already', o.delivery,
                            CASE WHEN n.status = 'queued' THEN 'recorded' ELSE n.status END) END
      FROM outcome o
      LEFT JOIN ended e ON e.delivery = o.delivery
      LEFT JOIN tocsin.notifications n ON n.delivery = o.delivery
     ORDER BY o.i;
END
$$;
