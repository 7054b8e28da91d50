-- Signing keys (docs/signatures.md): tocsin_admin registers an actor's
-- Ed25519 public key; an administrator or the key's own role revokes it.
-- Both go into the actor history. Keys are never deleted: a signature is
-- checked against the key as it was when the event was recorded.

CREATE OR REPLACE FUNCTION tocsin.key_register(p_role name, p_public_key text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_actor name := tocsin.acting_role();
    v_bytes bytea;
    v_id text;
BEGIN
    IF NOT tocsin.is_admin(v_actor) THEN
        RAISE EXCEPTION '% may not register keys (only tocsin_admin may)', v_actor USING ERRCODE = 'TC005';
    END IF;
    IF p_public_key IS NULL OR p_public_key !~ '^ed25519:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$' THEN
        RAISE EXCEPTION 'a public key is ed25519: and the base64 of 32 bytes, not "%"', coalesce(p_public_key, '')
            USING ERRCODE = 'TC003';
    END IF;
    IF NOT (tocsin.member_of(p_role, 'tocsin_actor') OR tocsin.member_of(p_role, 'tocsin_observer'))
       OR NOT EXISTS (SELECT 1 FROM tocsin.actor_history h WHERE h.actor = p_role) THEN
        RAISE EXCEPTION 'no actor % (tocsin actor add % first)', p_role, p_role USING ERRCODE = 'TC004';
    END IF;
    v_bytes := decode(substr(p_public_key, 9), 'base64');
    v_id := left(encode(sha256(v_bytes), 'hex'), 16);
    IF EXISTS (SELECT 1 FROM tocsin.keys k WHERE k.key_id = v_id) THEN
        RAISE EXCEPTION 'key % is registered already (to %)', v_id, (SELECT k.role FROM tocsin.keys k WHERE k.key_id = v_id)
            USING ERRCODE = 'TC006';
    END IF;
    INSERT INTO tocsin.keys (key_id, role, public_key, registered_by) VALUES (v_id, p_role, p_public_key, v_actor);
    INSERT INTO tocsin.actor_history (kind, actor, detail)
    VALUES ('key_registered', p_role, jsonb_build_object('key_id', v_id, 'public_key', p_public_key));
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.key_revoke(p_role name, p_key_id text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
DECLARE
    v_actor name := tocsin.acting_role();
    v_key record;
BEGIN
    IF NOT tocsin.is_admin(v_actor) AND v_actor <> p_role THEN
        RAISE EXCEPTION '% may not revoke keys of % (tocsin_admin and the role itself may)', v_actor, p_role
            USING ERRCODE = 'TC005';
    END IF;
    SELECT k.revoked_at INTO v_key FROM tocsin.keys k WHERE k.key_id = p_key_id AND k.role = p_role FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION '% has no key %', p_role, coalesce(p_key_id, '(none)') USING ERRCODE = 'TC004';
    END IF;
    IF v_key.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'key % of % was revoked already, at %', p_key_id, p_role,
            to_char(v_key.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            USING ERRCODE = 'TC006';
    END IF;
    UPDATE tocsin.keys SET revoked_at = clock_timestamp(), revoked_by = v_actor WHERE key_id = p_key_id;
    INSERT INTO tocsin.actor_history (kind, actor, detail)
    VALUES ('key_revoked', p_role, jsonb_build_object('key_id', p_key_id));
END
$$;

-- Registered keys change only through these functions (and revocation only once).
CREATE OR REPLACE FUNCTION tocsin.keys_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.key_id <> OLD.key_id OR NEW.role <> OLD.role OR NEW.public_key <> OLD.public_key
       OR NEW.registered_at <> OLD.registered_at OR OLD.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'a registered key is never changed or deleted, only revoked once' USING ERRCODE = 'TC005';
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS keys_guard ON tocsin.keys;
CREATE TRIGGER keys_guard BEFORE UPDATE OR DELETE ON tocsin.keys
    FOR EACH ROW EXECUTE FUNCTION tocsin.keys_guard();
DROP TRIGGER IF EXISTS keys_no_truncate ON tocsin.keys;
CREATE TRIGGER keys_no_truncate BEFORE TRUNCATE ON tocsin.keys
    FOR EACH STATEMENT EXECUTE FUNCTION tocsin.refuse_change();
