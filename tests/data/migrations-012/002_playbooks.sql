-- 002: playbook versions, immutable.
--
-- A playbook is stored once per distinct content: loading the same JSON
-- (compared as jsonb, so key order and spacing do not matter) again gives the
-- same version; changed content is the next version. Crises are pinned to a
-- version, so a running crisis keeps the rules it started with. `source` keeps
-- the text as the author wrote it (jsonb reorders keys), which is what the
-- engine compiles, so parallel branches and messages follow the author's order.

CREATE TABLE tocsin.playbooks (
    name      text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    version   integer     NOT NULL CHECK (version > 0),
    content   jsonb       NOT NULL,
    source    text        NOT NULL,
    sha256    text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    loaded_by name        NOT NULL DEFAULT current_user,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version),
    UNIQUE (name, sha256)
);

COMMENT ON TABLE tocsin.playbooks IS
  'playbook versions: content as jsonb, sha256 of its jsonb text, who loaded it; never changed';

-- Append-only tables refuse UPDATE and DELETE whoever asks (grants say the same).
CREATE FUNCTION tocsin.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'TC005';
END
$$;

CREATE TRIGGER playbooks_immutable BEFORE UPDATE OR DELETE ON tocsin.playbooks
    FOR EACH ROW EXECUTE FUNCTION tocsin.refuse_change();
