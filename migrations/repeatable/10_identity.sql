-- Who acts, and what a role may read. (Repeatable: migrate runs every file of
-- repeatable/ again, in name order, whenever one of them changes; each
-- function is defined here and nowhere else.)
--
-- Inside a SECURITY DEFINER function current_user is the function's owner,
-- so the caller is the role of `SET ROLE` (what `--as` does, and PostgreSQL
-- allows only to members), or else the login role. Every SECURITY DEFINER
-- function pins search_path = pg_catalog, tocsin, pg_temp: the temporary
-- schema last, so that a caller's temporary table cannot stand in for a
-- catalog (PostgreSQL's advice; docs/security.md).

-- The acting role. Row-level security calls it in the reader's own session:
-- a pinned search_path keeps a function or type the reader made from standing
-- in for current_setting() or name (and keeps it from being inlined).
CREATE OR REPLACE FUNCTION tocsin.acting_role() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(nullif(current_setting('role'), 'none'), session_user)::name
$$;

-- Whether p_role is a member of p_group (false for a role that no longer exists, rather than an error).
CREATE OR REPLACE FUNCTION tocsin.member_of(p_role name, p_group name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role)
                THEN pg_catalog.pg_has_role(p_role, p_group, 'MEMBER') ELSE false END;
END
$$;

-- Whether a role administers tocsin: a superuser, the schema's owner, or a member of tocsin_admin.
CREATE OR REPLACE FUNCTION tocsin.is_admin(p_role name) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = p_role), false)
        OR p_role = (SELECT n.nspowner::pg_catalog.regrole::pg_catalog.name
                       FROM pg_catalog.pg_namespace n WHERE n.nspname = 'tocsin')
        OR tocsin.member_of(p_role, 'tocsin_admin');
END
$$;

-- The seats of a role, and whether it administers tocsin.
CREATE OR REPLACE FUNCTION tocsin.actor(p_role name)
RETURNS TABLE (seats text[], admin boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM tocsin.seats s WHERE s.actor = p_role), '{}'),
           tocsin.is_admin(p_role);
END
$$;

-- Whether p_role may read a crisis: administrators and engines read all; a seat
-- holder reads crises whose playbook has its role (for a per-party seat, whose
-- parties include its party); an observer reads crises of playbooks listing its organisation; a
-- delegate reads the crises it was delegated a seat in, also after the delegation ends.
CREATE OR REPLACE FUNCTION tocsin.may_read(p_role name, p_crisis bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    RETURN tocsin.is_admin(p_role) OR tocsin.member_of(p_role, 'tocsin_engine')
        OR EXISTS (
            SELECT 1 FROM tocsin.crises c JOIN tocsin.playbooks p ON p.name = c.playbook AND p.version = c.version
             WHERE c.id = p_crisis
               AND (EXISTS (SELECT 1 FROM tocsin.seats s
                             WHERE s.actor = p_role AND (p.content -> 'roles') ? split_part(s.seat, '/', 1)
                               AND (split_part(s.seat, '/', 2) = '' OR split_part(s.seat, '/', 2) = ANY (c.parties)))
                    OR EXISTS (SELECT 1 FROM tocsin.observers o
                                WHERE o.actor = p_role AND (p.content -> 'observers') ? o.organisation)
                    OR EXISTS (SELECT 1 FROM tocsin.delegations d WHERE d.crisis = c.id AND d.delegate = p_role)));
END
$$;

-- Whether p_role holds a seat of one of the playbook's roles (any party), or of those listed.
CREATE OR REPLACE FUNCTION tocsin.holds_role_of(p_role name, p_content jsonb, p_listed jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM tocsin.seats s
         WHERE s.actor = p_role
           AND split_part(s.seat, '/', 1) IN (SELECT jsonb_array_elements_text(p_listed)
                                              UNION ALL
                                              SELECT jsonb_object_keys(p_content -> 'roles') WHERE p_listed IS NULL));
END
$$;

-- The seats delegated to p_role and not taken back (undelegate), by crisis,
-- with whether the delegation has ended (its time is up): what `todo` (those
-- in force) and the CLI's dry run (all, so that submit() says a delegation
-- has ended) add to its own seats. Only the role itself (or an administrator
-- or engine) may ask.
DROP FUNCTION IF EXISTS tocsin.delegated_to(name);
CREATE FUNCTION tocsin.delegated_to(p_role name)
RETURNS TABLE (crisis bigint, seat text, holder name, until timestamptz, ended boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    IF p_role <> tocsin.acting_role() AND NOT tocsin.is_admin(tocsin.acting_role())
       AND NOT tocsin.member_of(tocsin.acting_role(), 'tocsin_engine') THEN
        RAISE EXCEPTION '% may not read the delegations of %', tocsin.acting_role(), p_role USING ERRCODE = 'TC005';
    END IF;
    RETURN QUERY
    SELECT d.crisis, d.seat, d.holder, d.until, coalesce(d.until <= now(), false)
      FROM tocsin.delegations d
     WHERE d.delegate = p_role AND d.revoked_seq IS NULL
     ORDER BY d.crisis, d.seat;
END
$$;

-- The delegations in force in a crisis (not ended, not expired), for `show`:
-- to whoever may read the crisis (the table itself is administrators' and
-- engines').
CREATE OR REPLACE FUNCTION tocsin.delegations_of(p_crisis bigint)
RETURNS TABLE (seat text, holder name, delegate name, until timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    IF NOT tocsin.may_read(tocsin.acting_role(), p_crisis) THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT d.seat, d.holder, d.delegate, d.until
      FROM tocsin.delegations d
     WHERE d.crisis = p_crisis AND d.revoked_seq IS NULL AND (d.until IS NULL OR d.until > now())
     ORDER BY d.seat;
END
$$;
