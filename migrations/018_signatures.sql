-- 018: signing keys and signatures (issue 21; docs/signatures.md).
--
-- Each actor may register Ed25519 public keys; a key is never deleted, only
-- revoked, and its registration and revocation go into the actor history.
-- A signed command keeps its signature ({"key_id", "signed", "signature"})
-- with it, and its audit event too, where the chain covers it.
CREATE TABLE tocsin.keys (
    key_id        text        PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
    role          name        NOT NULL,
    public_key    text        NOT NULL UNIQUE CHECK (public_key ~ '^ed25519:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$'),
    registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    registered_by name        NOT NULL,
    revoked_at    timestamptz,
    revoked_by    name
);

CREATE INDEX keys_by_role ON tocsin.keys (role);

ALTER TABLE tocsin.commands ADD COLUMN signature jsonb;
ALTER TABLE tocsin.audit ADD COLUMN signature jsonb;

ALTER TABLE tocsin.actor_history DROP CONSTRAINT actor_history_kind_check;
ALTER TABLE tocsin.actor_history ADD CONSTRAINT actor_history_kind_check
    CHECK (kind IN ('actor_added', 'login_allowed', 'seat_granted', 'seat_revoked', 'observer_added',
                    'observer_removed', 'key_registered', 'key_revoked'));
