-- 013: the trust boundaries (issue 15; docs/security.md), in the tables.
--
-- The functions, triggers, policies and privileges that close them are in
-- repeatable/: SECURITY DEFINER functions pin search_path with pg_temp last;
-- the engine writes only through functions that run as the owner, and
-- commit_batch() refuses an event in a person's name that no command of
-- theirs asked for; trigger() and submit() survive a race on one idempotency
-- key and enforce the size limits; the privileges are rebuilt from nothing.
-- What they need of the tables is here:
--   * the person behind a crisis: the initiator rule (exclude_initiator)
--     compares the login as well as the acting role;
--   * each chain's head on its crisis row, so that events deleted from the
--     end of a chain do not leave a chain that verifies;
--   * the seats each playbook state needs, which the compiler computes when
--     the playbook is loaded, for submit() to check a command's seat.

ALTER TABLE tocsin.crises ADD COLUMN initiator_login name;
UPDATE tocsin.crises c
   SET initiator_login = coalesce((SELECT k.login FROM tocsin.commands k
                                    WHERE k.crisis = c.id AND k.kind = 'trigger' ORDER BY k.seq LIMIT 1),
                                  c.initiator);
ALTER TABLE tocsin.crises ALTER COLUMN initiator_login SET DEFAULT session_user,
                          ALTER COLUMN initiator_login SET NOT NULL;

-- The seq and hash of the last event of the crisis's chain (0 and NULL before the first).
ALTER TABLE tocsin.crises ADD COLUMN audit_seq bigint NOT NULL DEFAULT 0,
                          ADD COLUMN audit_hash text;
UPDATE tocsin.crises c SET audit_seq = h.seq, audit_hash = h.hash
  FROM (SELECT DISTINCT ON (a.crisis) a.crisis, a.seq, a.hash FROM tocsin.audit a ORDER BY a.crisis, a.seq DESC) h
 WHERE c.id = h.crisis;

-- The seats each state of a playbook needs, computed by the compiler when the
-- playbook is loaded ({path: {"role", "per_party", "exclude_initiator"}}, for
-- tasks and approvals), so that submit() no longer walks the playbook's JSON.
-- Playbooks loaded before are filled here, once, from their content.
ALTER TABLE tocsin.playbooks ADD COLUMN states jsonb;
ALTER TABLE tocsin.playbooks DISABLE TRIGGER USER; -- they are immutable; this fills what they always had
WITH RECURSIVE s (name, version, path, node) AS (
    SELECT p.name, p.version, e.key, e.value FROM tocsin.playbooks p, jsonb_each(p.content -> 'states') e
    UNION ALL
    SELECT s.name, s.version, s.path || '/' || b.key || '/' || e.key, e.value
      FROM s, jsonb_each(coalesce(s.node -> 'branches', '{}')) b, jsonb_each(b.value -> 'states') e
)
UPDATE tocsin.playbooks p
   SET states = coalesce((
       SELECT jsonb_object_agg(s.path, jsonb_build_object(
                  'role', r.role,
                  'per_party', coalesce((p.content -> 'roles' -> r.role ->> 'per_party')::boolean, false),
                  'exclude_initiator', s.node ->> 'type' = 'approval'
                                       AND coalesce((s.node ->> 'exclude_initiator')::boolean, false)))
         FROM s, LATERAL (SELECT coalesce(s.node ->> 'assignee', s.node -> 'approvers' ->> 'role') AS role) r
        WHERE s.name = p.name AND s.version = p.version AND s.node ->> 'type' IN ('task', 'approval')
          AND r.role IS NOT NULL), '{}');
ALTER TABLE tocsin.playbooks ENABLE TRIGGER USER;
ALTER TABLE tocsin.playbooks ALTER COLUMN states SET NOT NULL;

-- A database migrated by 001-012 carries their functions, some of them gone
-- now (006's per-crisis claim, pending and commit, which wrote the audit in
-- any name; the older forms of take, claim_batch, next_due, commit_batch and
-- submit) and some whose signature changed (audit_verify). repeatable/
-- defines every function there is; the rest go, with the triggers and
-- policies that use them, which repeatable/ makes again.
DO $$
DECLARE
    f regprocedure;
BEGIN
    PERFORM set_config('client_min_messages', 'warning', true); -- not a NOTICE per trigger and policy dropped
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
              WHERE p.pronamespace = 'tocsin'::regnamespace LOOP
        EXECUTE format('DROP FUNCTION %s CASCADE', f);
    END LOOP;
END
$$;
