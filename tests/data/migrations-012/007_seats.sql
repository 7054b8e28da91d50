-- 007: seats and observers: which PostgreSQL roles act for which playbook
-- roles and parties ("council/KZ", "secretariat"), and which organisations a
-- role observes. Seats are organisation-wide: council/KZ is the same seat in
-- every playbook that has a council role. The engine reads them to know what
-- an actor may do; `tocsin actor` manages them.

CREATE TABLE tocsin.seats (
    actor name NOT NULL,
    seat  text NOT NULL CHECK (seat ~ '^[a-z][a-z0-9_]{0,62}(/[A-Za-z0-9_-]{1,32})?$'),
    PRIMARY KEY (actor, seat)
);

CREATE TABLE tocsin.observers (
    actor        name NOT NULL,
    organisation text NOT NULL CHECK (organisation ~ '^[A-Za-z0-9_-]{1,32}$'),
    PRIMARY KEY (actor, organisation)
);

-- The seats of a role, and whether it administers tocsin (a superuser, or a
-- member of the tocsin_admin group role when that exists).
CREATE FUNCTION tocsin.actor(p_role name)
RETURNS TABLE (seats text[], admin boolean)
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT array_agg(s.seat ORDER BY s.seat) FROM tocsin.seats s WHERE s.actor = p_role), '{}'),
           coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = p_role), false)
           OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tocsin_admin')
               AND pg_has_role(p_role, 'tocsin_admin', 'MEMBER'))
$$;
