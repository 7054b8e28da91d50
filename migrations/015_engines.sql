-- 015: the engines' heartbeats (issue 18; docs/architecture.md, "Health").
--
-- Each running engine has a row here: it registers when it starts
-- (tocsin.engine_register, which also removes the rows of engines not seen
-- for a day), beats at least every 5 s (last_seen, and the batches it has
-- committed), and removes its row when it stops cleanly. An engine that is
-- killed or loses its host leaves its row, which goes stale: an engine is
-- alive while its last_seen is within the last 15 s (tocsin.status). The
-- functions, and who may call them, are in repeatable/75_health.sql.
CREATE TABLE tocsin.engines (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    host       text        NOT NULL CHECK (octet_length(host) BETWEEN 1 AND 255),
    pid        integer     NOT NULL CHECK (pid > 0),
    version    text        NOT NULL CHECK (octet_length(version) BETWEEN 1 AND 64),
    role       name        NOT NULL, -- the role it runs as: only that role (or tocsin_admin) beats for it
    started_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL DEFAULT clock_timestamp(),
    batches    bigint      NOT NULL DEFAULT 0 CHECK (batches >= 0) -- batches that applied work, since it started
);

-- Failed deliveries are few and counted on every `tocsin status` and every
-- scrape of /metrics; queued ones have notifications_due (014).
CREATE INDEX notifications_failed ON tocsin.notifications (id) WHERE status = 'failed';
