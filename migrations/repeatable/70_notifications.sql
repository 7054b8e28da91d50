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
