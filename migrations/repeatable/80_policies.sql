-- Row-level security: a role reads the crises it may read (tocsin.may_read),
-- and the rows that belong to them; an engine reads every row. Nobody but the
-- owner writes these tables (90_privileges.sql), so there are no write policies.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['crises', 'commands', 'audit', 'votes', 'approvals', 'escalations', 'action_runs',
                             'timers', 'set_aside', 'notifications'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS %I ON tocsin.%I', t || '_read', t);
        EXECUTE format('DROP POLICY IF EXISTS %I ON tocsin.%I', t || '_engine', t);
        EXECUTE format('CREATE POLICY %I ON tocsin.%I FOR SELECT USING (tocsin.may_read(tocsin.acting_role(), %I))',
                       t || '_read', t, CASE WHEN t = 'crises' THEN 'id' ELSE 'crisis' END);
        EXECUTE format('CREATE POLICY %I ON tocsin.%I FOR SELECT TO tocsin_engine USING (true)', t || '_engine', t);
    END LOOP;
END
$$;
