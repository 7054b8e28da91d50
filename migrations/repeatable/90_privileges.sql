-- Privileges, from nothing: what each group role may do is exactly this
-- (docs/security.md has the matrix, and test_privileges compares it with the
-- database). No group role may write a table: actors, administrators and
-- engines write through the functions that run as the owner, which check
-- their caller.

REVOKE ALL ON ALL TABLES IN SCHEMA tocsin FROM PUBLIC, tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA tocsin FROM PUBLIC, tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tocsin FROM PUBLIC, tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
REVOKE ALL ON SCHEMA tocsin FROM PUBLIC;
GRANT USAGE ON SCHEMA tocsin TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;

-- Functions created later by the owner start with no EXECUTE for PUBLIC either.
ALTER DEFAULT PRIVILEGES IN SCHEMA tocsin REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Reading: row-level security decides which rows (the engine reads all).
GRANT SELECT ON tocsin.crises, tocsin.commands, tocsin.audit, tocsin.votes, tocsin.approvals,
                tocsin.escalations, tocsin.action_runs, tocsin.playbooks, tocsin.set_aside
   TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
GRANT SELECT ON tocsin.timers, tocsin.seats, tocsin.observers, tocsin.schema_migrations,
                tocsin.schema_repeatables, tocsin.delegations
   TO tocsin_admin, tocsin_engine;
-- Who holds which seat is no secret among actors (actors() lists it): its
-- history is read by all, and checked by anyone's `audit verify`.
GRANT SELECT ON tocsin.actor_history, tocsin.actor_history_head
   TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
-- Public keys are public: whoever checks a signature needs them.
GRANT SELECT ON tocsin.keys TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
-- Addresses are personal data, and a webhook URL a secret: only tocsin_admin
-- and the engine read contacts and the outbox; others read a crisis's
-- notifications, redacted, through notifications_of().
GRANT SELECT ON tocsin.contacts, tocsin.notifications TO tocsin_admin, tocsin_engine;
-- Which engine runs where (host, pid) is operational detail: others read
-- the engines through status(), which leaves host and pid out for them.
GRANT SELECT ON tocsin.engines TO tocsin_admin, tocsin_engine;

-- The functions each calls (those that run as the owner check who calls them).
GRANT EXECUTE ON FUNCTION tocsin.acting_role(), tocsin.may_read(name, bigint), tocsin.actor(name),
                          tocsin.audit_verify(bigint),
                          tocsin.audit_canonical(bigint, bigint, timestamptz, text, text, text, text, jsonb, jsonb),
                          tocsin.audit_hash(text, text), tocsin.notifications_of(bigint),
                          tocsin.redact_address(text, text), tocsin.status(), tocsin.metrics(),
                          tocsin.delegated_to(name), tocsin.delegations_of(bigint), tocsin.actor_history_verify(),
                          tocsin.actor_history_canonical(bigint, timestamptz, text, text, text, text, jsonb),
                          tocsin.actor_history_holdings(), tocsin.actor_holdings()
   TO tocsin_admin, tocsin_engine, tocsin_actor, tocsin_observer;
GRANT EXECUTE ON FUNCTION tocsin.key_revoke(name, text) TO tocsin_admin, tocsin_actor, tocsin_observer;
GRANT EXECUTE ON FUNCTION tocsin.trigger(text, text, text, text, text[], jsonb, text),
                          tocsin.submit(bigint, text, jsonb, text, boolean, jsonb), tocsin.actors()
   TO tocsin_admin, tocsin_actor, tocsin_observer;
GRANT EXECUTE ON FUNCTION tocsin.load_playbook_checked(text, jsonb), tocsin.actor_add(name, text[], text[], boolean),
                          tocsin.actor_seat(name, text, boolean), tocsin.key_register(name, text),
                          tocsin.contact_add(text, text, text, text, text), tocsin.contact_remove(text, text)
   TO tocsin_admin;
GRANT EXECUTE ON FUNCTION tocsin.take(integer, timestamptz, bigint[]), tocsin.commit_batch(jsonb, boolean),
                          tocsin.next_due(bigint[]), tocsin.lock_crisis(bigint),
                          tocsin.record_set_aside(bigint, bigint, text, text, timestamptz),
                          tocsin.take_deliveries(integer, integer), tocsin.record_deliveries(jsonb),
                          tocsin.engine_register(text, integer, text, timestamptz),
                          tocsin.engine_beat(uuid, bigint), tocsin.engine_leave(uuid)
   TO tocsin_engine;
