-- 014: contacts and the outbox of notifications (issue 17; docs/architecture.md, "Notifications").
--
-- The functions that write them (contact_add, contact_remove, commit_batch's
-- outbox, take_deliveries, record_delivery), their policies and grants are in
-- repeatable/. E-mail addresses and webhook URLs are personal data, and a
-- webhook URL is often a bearer token (Slack's is): only tocsin_admin and the
-- engine read these tables; others read notifications through
-- tocsin.notifications_of(), which shows a webhook as scheme://host/ only.

-- Whom to tell for a seat. A contact on ROLE/PARTY is that seat's; one on ROLE
-- is every seat of that role (council: every delegation). The shapes are those
-- that core/input/contact.c checks first (exit 3, nothing stored); the time
-- zone is checked against pg_timezone_names by contact_add.
CREATE TABLE tocsin.contacts (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seat     text NOT NULL CHECK (seat ~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$'),
    channel  text NOT NULL CHECK (channel IN ('email', 'webhook')),
    address  text NOT NULL CHECK (octet_length(address) <= 2048),
    format   text,
    tz       text CHECK (tz ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$'),
    added_by name NOT NULL DEFAULT session_user,
    added_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seat, address),
    CHECK ((channel = 'email' AND coalesce(format, 'email') = 'email'
            AND address ~ '^[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$')
        OR (channel = 'webhook' AND format IN ('json', 'slack')
            AND address ~ '^https?://[A-Za-z0-9._~%!$&''()*+,;=:\[\]-]+([/?#][!-~]*)?$'))
);

-- The outbox: one row per delivery of a `notified` audit event, written by
-- commit_batch in the transition's own transaction (an engine killed after the
-- commit leaves its deliveries queued). delivery is the stable id receivers
-- see (Message-ID, Idempotency-Key); payload is what to say, built by the
-- engine (core/machine/notice.c); next_at is when to try next, and the lease
-- of a delivery in flight (take_deliveries).
CREATE TABLE tocsin.notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery   uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    crisis     bigint NOT NULL REFERENCES tocsin.crises (id),
    audit_seq  bigint NOT NULL,
    at         timestamptz NOT NULL,
    state      text,
    level      integer NOT NULL DEFAULT 0 CHECK (level >= 0),
    seat       text NOT NULL,
    channel    text NOT NULL CHECK (channel IN ('email', 'webhook', 'program', 'none')),
    address    text,
    format     text,
    tz         text,
    payload    jsonb NOT NULL DEFAULT '{}',
    status     text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'no contact')),
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_at    timestamptz,
    last_error text,
    sent_at    timestamptz,
    CHECK ((status = 'queued') = (next_at IS NOT NULL)),
    CHECK ((channel = 'none') = (status = 'no contact'))
);
CREATE INDEX notifications_crisis ON tocsin.notifications (crisis, id);
CREATE INDEX notifications_due ON tocsin.notifications (next_at) WHERE status = 'queued';

ALTER TABLE tocsin.notifications ENABLE ROW LEVEL SECURITY;
