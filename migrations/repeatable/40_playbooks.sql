-- Loading playbooks (validated by the client's compiler first): the same
-- content is the same version, changed content the next one. Administrators
-- only, at most 1 MiB of source (TC_PLAYBOOK_MAX_BYTES). p_states is what the
-- compiler says each state's seats need (tc_playbook_seats_json), which
-- submit() reads; the engine checks every command again against the compiled
-- playbook itself, so a map that lied could not make it apply a command.

CREATE OR REPLACE FUNCTION tocsin.load_playbook(p_source text, p_states jsonb)
RETURNS TABLE (name text, version integer, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    p_content jsonb := p_source::jsonb;
    v_name text := p_content ->> 'name';
    v_sha text := encode(sha256(convert_to(p_content::text, 'UTF8')), 'hex');
    v_version integer;
BEGIN
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'the playbook has no name' USING ERRCODE = 'TC003';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('tocsin.playbook:' || v_name));
    SELECT p.version INTO v_version FROM tocsin.playbooks p WHERE p.name = v_name AND p.sha256 = v_sha;
    IF FOUND THEN
        RETURN QUERY SELECT v_name, v_version, false;
        RETURN;
    END IF;
    SELECT coalesce(max(p.version), 0) + 1 INTO v_version FROM tocsin.playbooks p WHERE p.name = v_name;
    INSERT INTO tocsin.playbooks (name, version, content, source, sha256, states)
    VALUES (v_name, v_version, p_content, p_source, v_sha, p_states);
    RETURN QUERY SELECT v_name, v_version, true;
END
$$;

CREATE OR REPLACE FUNCTION tocsin.load_playbook_checked(p_source text, p_states jsonb)
RETURNS TABLE (name text, version integer, created boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tocsin, pg_temp AS $$
BEGIN
    IF NOT tocsin.is_admin(tocsin.acting_role()) THEN
        RAISE EXCEPTION '% may not load playbooks (only tocsin_admin may)', tocsin.acting_role()
            USING ERRCODE = 'TC005';
    END IF;
    PERFORM tocsin.check_size('the playbook', octet_length(p_source), 1048576);
    IF jsonb_typeof(p_states) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'a playbook is loaded with the seats of its states (an object)' USING ERRCODE = 'TC003';
    END IF;
    RETURN QUERY SELECT * FROM tocsin.load_playbook(p_source, p_states);
END
$$;
