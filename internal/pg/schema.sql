CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';

CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

COMMENT ON EXTENSION unaccent IS 'text search dictionary that removes accents';

CREATE FUNCTION public.audit_actor_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
  SELECT lower(coalesce(substring($1 from '<([^<>]*)>$'), $1))
$_$;

CREATE FUNCTION public.audit_attach(tbl regclass, member_column text DEFAULT 'member_id'::text, key_column text DEFAULT 'id'::text, ignore text[] DEFAULT '{}'::text[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
  args text := format('%L, %L, %L', member_column, key_column, array_to_string(ignore, ','));
BEGIN
  EXECUTE format('CREATE TRIGGER audit_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER audit_upd AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER audit_del AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER audit_trunc AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
END
$$;

CREATE FUNCTION public.audit_chain_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'INSERT' AND current_setting('mila.audit_chain', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_chain is written only by the audit chainer: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION public.audit_chain_rows() RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
  head audit_head;
  horizon xid8;
  r record;
  n integer := 0;
  ch bytea;
  h bytea;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit_chain_rows() needs READ COMMITTED (got %)', current_setting('transaction_isolation');
  END IF;
  SELECT * INTO head FROM audit_head FOR UPDATE;
  -- A fresh snapshot: every transaction below its xmin has ended, and
  -- the rows of those that committed are visible to the next statement.
  horizon := pg_snapshot_xmin(pg_current_snapshot());
  PERFORM set_config('mila.audit_chain', 'on', true);
  FOR r IN SELECT a.id, a.xid, audit_content(a) AS content FROM audit_log a
            WHERE a.xid > head.last_xid AND a.xid < horizon
            ORDER BY a.xid, a.id LOOP
    ch := sha256(convert_to(r.content, 'UTF8'));
    h := sha256(head.hash || ch);
    head.seq := head.seq + 1;
    INSERT INTO audit_chain (seq, id, content_hash, prev_hash, hash) VALUES (head.seq, r.id, ch, head.hash, h);
    head.hash := h;
    head.last_id := r.id;
    head.last_xid := r.xid;
    n := n + 1;
  END LOOP;
  IF n > 0 THEN
    UPDATE audit_head SET seq = head.seq, last_id = head.last_id, last_xid = head.last_xid, hash = head.hash;
  END IF;
  PERFORM set_config('mila.audit_chain', '', true);
  RETURN n;
END
$$;

CREATE FUNCTION public.audit_clean(j jsonb, ignored text[], secret text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT (j - ignored - secret) || coalesce(
    (SELECT jsonb_object_agg(k, '"***"'::jsonb) FROM unnest(secret) k
      WHERE j ? k AND j -> k <> 'null'::jsonb), '{}'::jsonb)
$$;

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    actor_user_id uuid,
    entity text NOT NULL,
    action text NOT NULL,
    row_count integer NOT NULL,
    entity_id text,
    member_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    changes jsonb NOT NULL,
    redacted boolean DEFAULT false NOT NULL,
    xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['insert'::text, 'update'::text, 'delete'::text, 'truncate'::text]))),
    CONSTRAINT audit_log_row_count_check CHECK ((row_count >= 0))
);

CREATE FUNCTION public.audit_content(a public.audit_log) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
  SELECT concat_ws(E'\x1f',
    a.id::text,
    to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    a.actor, coalesce(a.actor_user_id::text, ''), a.entity, a.action,
    a.row_count::text, coalesce(a.entity_id, ''),
    array_to_string(a.member_ids, ','), a.changes::text)
$$;

CREATE FUNCTION public.audit_detach(tbl regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS audit_ins ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS audit_upd ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS audit_del ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS audit_trunc ON %s', tbl);
END
$$;

CREATE FUNCTION public.audit_head_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('mila.audit_chain', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head is kept by the audit chainer: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION public.audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF pg_trigger_depth() < 2 THEN
      RAISE EXCEPTION 'audit_log: rows are written only by the audit triggers'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('mila.audit_redact', true) = 'on'
     AND NEW.redacted AND NEW.id = OLD.id AND NEW.xid = OLD.xid AND NEW.at = OLD.at AND NEW.actor = OLD.actor
     AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
     AND NEW.entity = OLD.entity AND NEW.action = OLD.action AND NEW.row_count = OLD.row_count
     AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id AND NEW.member_ids = OLD.member_ids THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION public.audit_mask(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT regexp_replace(t,
    '\m([A-Za-z]{2})[0-9]{2}(?: ?[A-Za-z0-9]{4}){2,7}( ?[A-Za-z0-9]{1,4})\M',
    '\1** ****\2', 'g')
$$;

CREATE FUNCTION public.audit_mask_columns(j jsonb, cols text[]) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT CASE WHEN j IS NULL OR cardinality(cols) = 0 THEN j
    ELSE j || coalesce((SELECT jsonb_object_agg(k, CASE jsonb_typeof(j -> k)
                                                     WHEN 'string' THEN to_jsonb(audit_mask(j ->> k))
                                                     ELSE audit_mask((j -> k)::text)::jsonb END)
                          FROM unnest(cols) k
                         WHERE length((j -> k)::text) >= 13), '{}'::jsonb) END
$$;

CREATE FUNCTION public.audit_record() RETURNS trigger
    LANGUAGE plpgsql
    SET plan_cache_mode TO 'force_custom_plan'
    SET jit TO 'off'
    AS $$
DECLARE
  mcol text := coalesce(nullif(TG_ARGV[0], ''), 'member_id');
  kcol text := coalesce(nullif(TG_ARGV[1], ''), 'id');
  ignored text[] := ARRAY['created_at', 'updated_at', 'version', 'sort_name',
    'search_vector', 'name_key', 'name_keys', 'cf_text', 'member_count',
    'last_sign_in_at', 'unique_value', 'session_epoch']
    || coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{}'::text[]);
  secret text[] := ARRAY['password_hash', 'token_hash', 'token', 'secret'];
  masked text[];
  plain boolean;
  n integer;
  chj json;
  mids uuid[];
  who text;
  ch jsonb;
BEGIN
  IF pg_trigger_depth() > 1 AND current_setting('mila.audit_mirror', true) = TG_TABLE_NAME THEN
    -- The mirror of a statement on the other membership table, written
    -- by its sync trigger: that statement's own entry says the same.
    RETURN NULL;
  END IF;
  IF TG_OP = 'TRUNCATE' THEN
    n := -1; chj := '[]'; mids := '{}';
  ELSIF current_setting('mila.audit_detail', true) = 'off' THEN
    -- The demo loader (documented in docs/PRIVACY.md): one entry with the
    -- count, without the rows' values.
    IF TG_OP = 'INSERT' THEN
      SELECT count(*) INTO n FROM new_rows;
    ELSE
      SELECT count(*) INTO n FROM old_rows;
    END IF;
    chj := json_build_array(json_build_object('summary', true));
    mids := '{}';
  ELSE
    -- The columns that can hold text, to be masked; plain: none of them
    -- and no secret either (member_groups, group_memberships), so a row
    -- is its values less the derived columns, without a function call.
    masked := array(SELECT c FROM unnest(audit_text_columns(TG_RELID)) c WHERE NOT c = ANY (ignored || secret));
    plain := cardinality(masked) = 0
             AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = TG_RELID AND a.attnum > 0
                               AND NOT a.attisdropped AND a.attname::text = ANY (secret));
    -- Each row is made json once (a MATERIALIZED CTE: a subquery would
    -- be pulled up and to_jsonb(r) evaluated for every reference to j).
    IF TG_OP = 'INSERT' THEN
      WITH s AS MATERIALIZED (SELECT to_jsonb(r) j FROM new_rows r)
      SELECT count(*), json_agg(e ORDER BY k), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
        INTO n, chj, mids
        FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol,
                                        'new', CASE WHEN plain THEN j - ignored
                                                    ELSE audit_mask_columns(audit_clean(j, ignored, secret), masked) END) e,
                     j ->> kcol k, (j ->> mcol)::uuid m
                FROM s) s;
    ELSIF TG_OP = 'DELETE' THEN
      WITH s AS MATERIALIZED (SELECT to_jsonb(r) j FROM old_rows r)
      SELECT count(*), json_agg(e ORDER BY k), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
        INTO n, chj, mids
        FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol,
                                        'old', CASE WHEN plain THEN j - ignored
                                                    ELSE audit_mask_columns(audit_clean(j, ignored, secret), masked) END) e,
                     j ->> kcol k, (j ->> mcol)::uuid m
                FROM s) s;
    ELSE
      SELECT count(*), json_agg(jsonb_build_object('id', id, 'm', m,
                                                   'old', CASE WHEN plain THEN o ELSE audit_mask_columns(o, masked) END,
                                                   'new', CASE WHEN plain THEN nw ELSE audit_mask_columns(nw, masked) END) ORDER BY id #>> '{}'),
             array_agg(DISTINCT (m #>> '{}')::uuid) FILTER (WHERE m <> 'null'::jsonb)
        INTO n, chj, mids
        FROM (WITH o AS MATERIALIZED (SELECT j, j ->> kcol k FROM (SELECT to_jsonb(r) j FROM old_rows r OFFSET 0) s),
                   nn AS MATERIALIZED (SELECT j, j ->> kcol k FROM (SELECT to_jsonb(r) j FROM new_rows r OFFSET 0) s)
              SELECT p.nj -> kcol id, coalesce(p.nj -> mcol, p.oj -> mcol, 'null'::jsonb) m,
                     d.o, d.nw
                FROM (SELECT o.j oj, nn.j nj FROM o JOIN nn ON nn.k = o.k) p
                CROSS JOIN LATERAL (
                  SELECT jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.oj -> k END) o,
                         jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.nj -> k END) nw
                    FROM jsonb_object_keys(p.nj) k
                   WHERE NOT k = ANY (ignored) AND p.nj -> k IS DISTINCT FROM p.oj -> k) d
               WHERE d.o IS NOT NULL) s;
    END IF;
  END IF;
  IF coalesce(n, 0) = 0 THEN
    RETURN NULL;
  END IF;
  IF n < 0 THEN
    n := 0; -- TRUNCATE: the number of rows is not known
  END IF;

  ch := chj::jsonb;
  who := nullif(current_setting('mila.actor', true), '');
  INSERT INTO audit_log (xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes)
  VALUES (pg_current_xact_id(), clock_timestamp(), coalesce(who, 'unknown'),
          nullif(current_setting('mila.actor_id', true), '')::uuid, TG_TABLE_NAME, lower(TG_OP), n,
          CASE WHEN n = 1 THEN ch -> 0 ->> 'id' END, coalesce(mids, '{}'), ch);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.audit_redact_member(mid uuid, user_ids text[] DEFAULT '{}'::text[]) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
  n integer;
BEGIN
  PERFORM set_config('mila.audit_redact', 'on', true);
  UPDATE audit_log a
     SET redacted = true,
         changes = (SELECT coalesce(jsonb_agg(CASE WHEN e ->> 'm' = mid::text OR e ->> 'id' = mid::text
                                                     OR (a.entity = 'users' AND e ->> 'id' = ANY (user_ids))
                                                   THEN jsonb_build_object('id', e -> 'id', 'm', e -> 'm', 'erased', true)
                                                   ELSE e END ORDER BY i), '[]'::jsonb)
                      FROM jsonb_array_elements(a.changes) WITH ORDINALITY x(e, i))
   WHERE a.member_ids @> ARRAY[mid] OR (a.entity = 'users' AND a.entity_id = ANY (user_ids));
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('mila.audit_redact', '', true);
  RETURN n;
END
$$;

CREATE FUNCTION public.audit_text_columns(rel oid) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}')
    FROM pg_attribute a
   WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
     AND a.atttypid NOT IN ('uuid'::regtype, 'boolean'::regtype, 'smallint'::regtype, 'integer'::regtype,
                            'bigint'::regtype, 'numeric'::regtype, 'real'::regtype, 'double precision'::regtype,
                            'date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype,
                            'daterange'::regtype, 'tstzrange'::regtype, 'xid8'::regtype)
$$;

CREATE FUNCTION public.custom_field_choice_text(field uuid, labels text[]) RETURNS text
    LANGUAGE sql STABLE
    AS $$
  SELECT string_agg(o.label, ', ' ORDER BY o.position)
    FROM custom_field_options o
   WHERE o.custom_field_id = field AND o.label = ANY (labels)
$$;

CREATE FUNCTION public.custom_field_options_in_use() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM custom_fields WHERE id = OLD.custom_field_id)
     AND EXISTS (SELECT 1 FROM custom_field_values
                  WHERE custom_field_id = OLD.custom_field_id AND OLD.label = ANY (string_to_array(value, ', '))) THEN
    RAISE EXCEPTION 'option % is in use', OLD.label
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'custom_field_options_in_use';
  END IF;
  RETURN OLD;
END
$$;

CREATE FUNCTION public.custom_field_options_renamed() RETURNS trigger
    LANGUAGE plpgsql
    SET jit TO 'off'
    AS $$
BEGIN
  UPDATE custom_field_values
     SET value = array_to_string(array_replace(string_to_array(value, ', '), OLD.label, NEW.label), ', ')
   WHERE custom_field_id = NEW.custom_field_id AND OLD.label = ANY (string_to_array(value, ', '));
  RETURN NULL;
END
$$;

CREATE FUNCTION public.custom_field_values_options_check() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  bad record;
BEGIN
  SELECT r.custom_field_id, r.value INTO bad
    FROM (SELECT p.custom_field_id, p.value, p.single, o.position,
                 lag(o.position) OVER w AS prev, count(*) OVER (PARTITION BY p.id) AS n
            FROM (SELECT v.id, v.custom_field_id, v.value, f.value_type = 'choice' AS single, x.part, x.i
                    FROM new_rows v
                    JOIN custom_fields f ON f.id = v.custom_field_id AND f.value_type IN ('choice', 'multichoice')
                    LEFT JOIN LATERAL unnest(nullif(string_to_array(v.value, ', '), '{}')) WITH ORDINALITY x (part, i) ON true) p
            LEFT JOIN custom_field_options o ON o.custom_field_id = p.custom_field_id AND o.label = p.part
          WINDOW w AS (PARTITION BY p.id ORDER BY p.i)) r
   WHERE r.position IS NULL OR r.prev >= r.position OR (r.single AND r.n <> 1)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'value % names no option of field %', bad.value, bad.custom_field_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'custom_field_values_option',
            DETAIL = bad.custom_field_id::text;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.custom_field_values_unique_flag() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.unique_value := coalesce((SELECT f.unique_values FROM custom_fields f WHERE f.id = NEW.custom_field_id), false);
  RETURN NEW;
END
$$;

CREATE FUNCTION public.custom_fields_next_position() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NEW.position IS NULL OR NEW.position <= 0 THEN
    NEW.position := (SELECT coalesce(max(position), 0) + 1 FROM custom_fields);
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION public.custom_fields_unique_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  LOCK TABLE custom_field_values IN SHARE MODE;
  UPDATE custom_field_values SET unique_value = NEW.unique_values
   WHERE custom_field_id = NEW.id AND unique_value IS DISTINCT FROM NEW.unique_values;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.f_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
  SELECT public.unaccent('public.unaccent'::regdictionary, $1)
$_$;

CREATE FUNCTION public.fold_invisible(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
  SELECT regexp_replace(normalize($1, NFC), '[\u00AD\u034F\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]', '', 'g')
$_$;

CREATE FUNCTION public.group_memberships_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  ms uuid[];
  gs uuid[];
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- written by the member_groups triggers, or a cascade
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(member_id), array_agg(group_id) INTO ms, gs
      FROM (SELECT DISTINCT member_id, group_id FROM new_rows) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(member_id), array_agg(group_id) INTO ms, gs
      FROM (SELECT DISTINCT member_id, group_id FROM old_rows) s;
  ELSE
    SELECT array_agg(member_id), array_agg(group_id) INTO ms, gs
      FROM (SELECT member_id, group_id FROM new_rows UNION SELECT member_id, group_id FROM old_rows) s;
  END IF;
  IF ms IS NULL THEN
    RETURN NULL;
  END IF;
  -- the lock order of every membership writer: groups, then members
  PERFORM 1 FROM groups WHERE id = ANY (gs) ORDER BY id FOR NO KEY UPDATE;
  PERFORM set_config('mila.audit_mirror', 'member_groups', true);
  DELETE FROM member_groups mg
   USING unnest(ms, gs) AS p (member_id, group_id)
   WHERE mg.member_id = p.member_id AND mg.group_id = p.group_id
     AND NOT EXISTS (SELECT 1 FROM group_memberships h
                      WHERE h.member_id = p.member_id AND h.group_id = p.group_id AND h.valid_from <= current_date AND (h.valid_until IS NULL OR h.valid_until > current_date));
  INSERT INTO member_groups (member_id, group_id)
  SELECT p.member_id, p.group_id FROM unnest(ms, gs) AS p (member_id, group_id)
   WHERE EXISTS (SELECT 1 FROM group_memberships h
                  WHERE h.member_id = p.member_id AND h.group_id = p.group_id AND h.valid_from <= current_date AND (h.valid_until IS NULL OR h.valid_until > current_date))
     AND EXISTS (SELECT 1 FROM members m WHERE m.id = p.member_id)
   ORDER BY p.group_id, p.member_id
  ON CONFLICT (member_id, group_id) DO NOTHING;
  PERFORM set_config('mila.audit_mirror', '', true);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.group_memberships_check() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'INSERT' OR (NEW.valid_from, NEW.valid_until) IS DISTINCT FROM (OLD.valid_from, OLD.valid_until) THEN
    IF NEW.valid_from > current_date OR NEW.valid_until > current_date THEN
      RAISE EXCEPTION 'a group membership cannot start or end after today'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'group_memberships_not_future';
    END IF;
  END IF;
  IF NEW.role_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.role_id IS DISTINCT FROM OLD.role_id) THEN
    IF NOT EXISTS (SELECT 1 FROM group_roles r WHERE r.id = NEW.role_id
                     AND (r.group_id IS NULL OR r.group_id = NEW.group_id)) THEN
      RAISE EXCEPTION 'the role belongs to another group'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'group_memberships_role_of_group';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.member_id, NEW.group_id) IS DISTINCT FROM (OLD.member_id, OLD.group_id) THEN
    RAISE EXCEPTION 'a membership cannot be moved to another member or group'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'group_memberships_no_move';
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION public.groups_renamed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  mids uuid[];
BEGIN
  SELECT array_agg(member_id) INTO mids FROM member_groups WHERE group_id = NEW.id;
  IF mids IS NOT NULL THEN
    PERFORM members_refresh_groups(mids);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.groups_search_words() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  PERFORM search_words_add(ARRAY[NEW.name]);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.member_group_keys_add() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO member_group_keys (member_id, sort_name, exit_date)
  SELECT n.id, n.sort_name, n.exit_date FROM new_rows n;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.member_group_keys_sync() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  UPDATE member_group_keys SET sort_name = NEW.sort_name, exit_date = NEW.exit_date
   WHERE member_id = NEW.id AND (sort_name, exit_date) IS DISTINCT FROM (NEW.sort_name, NEW.exit_date);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.member_groups_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  mids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE groups g SET member_count = g.member_count + d.n
      FROM (SELECT group_id, count(*)::integer AS n FROM new_rows GROUP BY group_id ORDER BY group_id) d
     WHERE g.id = d.group_id;
    SELECT array_agg(DISTINCT member_id) INTO mids FROM new_rows;
  ELSE
    UPDATE groups g SET member_count = g.member_count - d.n
      FROM (SELECT group_id, count(*)::integer AS n FROM old_rows GROUP BY group_id ORDER BY group_id) d
     WHERE g.id = d.group_id;
    SELECT array_agg(DISTINCT member_id) INTO mids FROM old_rows;
  END IF;
  IF mids IS NOT NULL THEN
    PERFORM members_refresh_groups(mids);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.member_groups_history_del() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- a member or group deleted: its history goes by cascade
  END IF;
  PERFORM set_config('mila.audit_mirror', 'group_memberships', true);
  DELETE FROM group_memberships h USING old_rows o
   WHERE h.member_id = o.member_id AND h.group_id = o.group_id
     AND h.valid_from <= current_date AND (h.valid_until IS NULL OR h.valid_until > current_date) AND h.valid_from = current_date;
  UPDATE group_memberships h SET valid_until = current_date
    FROM old_rows o
   WHERE h.member_id = o.member_id AND h.group_id = o.group_id AND h.valid_from <= current_date AND (h.valid_until IS NULL OR h.valid_until > current_date);
  PERFORM set_config('mila.audit_mirror', '', true);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.member_groups_history_ins() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('mila.audit_mirror', 'group_memberships', true);
  -- re-added the day it was ended: the membership goes on
  UPDATE group_memberships h SET valid_until = NULL
    FROM new_rows n
   WHERE h.member_id = n.member_id AND h.group_id = n.group_id AND h.valid_until = current_date;
  INSERT INTO group_memberships (member_id, group_id, valid_from)
  SELECT n.member_id, n.group_id, current_date FROM new_rows n
   WHERE NOT EXISTS (SELECT 1 FROM group_memberships h
                      WHERE h.member_id = n.member_id AND h.group_id = n.group_id AND h.valid_from <= current_date AND (h.valid_until IS NULL OR h.valid_until > current_date));
  PERFORM set_config('mila.audit_mirror', '', true);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.member_groups_no_move() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'a membership cannot be moved to another member or group; delete it and add a new one'
    USING ERRCODE = 'check_violation';
END
$$;

CREATE FUNCTION public.member_periods_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  mids uuid[];
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- written by members_sync_periods, or a member's delete cascading
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT member_id) INTO mids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT member_id) INTO mids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT member_id) INTO mids
      FROM (SELECT member_id FROM new_rows UNION SELECT member_id FROM old_rows) s;
  END IF;
  IF mids IS NULL THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM members m WHERE m.id = ANY (mids)
               AND NOT EXISTS (SELECT 1 FROM member_periods p WHERE p.member_id = m.id)) THEN
    RAISE EXCEPTION 'a member has at least one period in the club'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'member_periods_at_least_one';
  END IF;
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m
     SET join_date = d.first_start, exit_date = d.last_end, version = m.version + 1
    FROM (SELECT p.member_id, min(p.starts_on) AS first_start,
                 (array_agg(p.ends_on ORDER BY p.starts_on DESC))[1] AS last_end
            FROM member_periods p WHERE p.member_id = ANY (mids)
           GROUP BY p.member_id) d
   WHERE m.id = d.member_id
     AND (m.join_date, m.exit_date) IS DISTINCT FROM (d.first_start, d.last_end);
  RETURN NULL;
END
$$;

CREATE FUNCTION public.members_add_periods() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO member_periods (member_id, starts_on, ends_on)
  SELECT n.id, n.join_date, n.exit_date FROM new_rows n;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.members_keep_user_name() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  UPDATE users SET display_name = left(OLD.first_name || ' ' || OLD.last_name, 100)
   WHERE member_id = OLD.id;
  RETURN OLD;
END
$$;

CREATE FUNCTION public.members_name_keys(first_name text, last_name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT ARRAY[
    btrim(regexp_replace(search_key(first_name || ' ' || last_name), '[^[:alnum:]]+', ' ', 'g')),
    btrim(regexp_replace(search_key(last_name || ' ' || first_name), '[^[:alnum:]]+', ' ', 'g')),
    btrim(regexp_replace(search_key(last_name), '[^[:alnum:]]+', ' ', 'g')),
    btrim(regexp_replace(search_key(first_name), '[^[:alnum:]]+', ' ', 'g'))]
$$;

CREATE FUNCTION public.members_refresh_cf_text() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  mids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF current_setting('mila.cf_text_written', true) = 'on' THEN
      RETURN NULL;
    END IF;
    SELECT array_agg(DISTINCT member_id) INTO mids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT member_id) INTO mids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT member_id) INTO mids
      FROM (SELECT member_id FROM new_rows UNION SELECT member_id FROM old_rows) s;
  END IF;
  IF mids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m SET cf_text = c.cf_text
    FROM (SELECT u.id, coalesce((
            SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name)
              FROM custom_field_values v
              JOIN custom_fields f ON f.id = v.custom_field_id
             WHERE v.member_id = u.id AND f.value_type <> 'boolean'), '') AS cf_text
            FROM unnest(mids) AS u (id) OFFSET 0) c
   WHERE m.id = c.id AND m.cf_text IS DISTINCT FROM c.cf_text;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.members_refresh_groups(mids uuid[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
  changed integer;
BEGIN
  PERFORM 1 FROM member_group_keys WHERE member_id = ANY (mids) ORDER BY member_id FOR NO KEY UPDATE;
  UPDATE member_group_keys k
     SET group_count = c.n, first_group_key = c.first_key, group_words = c.words
    FROM (SELECT u.id,
                 count(g.id)::integer AS n,
                 min(g.name_key) AS first_key,
                 strip(tsvector_agg(g.search_vector)) AS words
            FROM unnest(mids) AS u (id)
            LEFT JOIN member_groups mg ON mg.member_id = u.id
            LEFT JOIN groups g ON g.id = mg.group_id
           GROUP BY u.id) c
   WHERE k.member_id = c.id
     AND (k.group_count, k.first_group_key, k.group_words) IS DISTINCT FROM (c.n, c.first_key, c.words);
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed > 1000 THEN
    BEGIN
      PERFORM gin_clean_pending_list('member_group_keys_group_words_idx'::regclass);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END IF;
END
$$;

CREATE FUNCTION public.members_search_words() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM search_words_add(array_agg(n.first_name || ' ' || n.last_name)) FROM new_rows n;
  ELSE
    PERFORM search_words_add(ARRAY[NEW.first_name || ' ' || NEW.last_name]);
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.members_set_name_keys() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.name_keys := members_name_keys(NEW.first_name, NEW.last_name);
  RETURN NEW;
END
$$;

CREATE FUNCTION public.members_sync_periods() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  first_id uuid;
  last_id  uuid;
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- written by member_periods_changed
  END IF;
  SELECT (array_agg(id ORDER BY starts_on))[1], (array_agg(id ORDER BY starts_on DESC))[1]
    INTO first_id, last_id
    FROM member_periods WHERE member_id = NEW.id;
  IF first_id IS NULL THEN
    INSERT INTO member_periods (member_id, starts_on, ends_on) VALUES (NEW.id, NEW.join_date, NEW.exit_date);
  ELSIF first_id = last_id THEN
    UPDATE member_periods
       SET starts_on = NEW.join_date, ends_on = NEW.exit_date,
           exit_reason_id = CASE WHEN NEW.exit_date IS NULL THEN NULL ELSE exit_reason_id END
     WHERE id = first_id AND (starts_on, ends_on) IS DISTINCT FROM (NEW.join_date, NEW.exit_date);
  ELSE
    IF NEW.join_date IS DISTINCT FROM OLD.join_date THEN
      UPDATE member_periods SET starts_on = NEW.join_date WHERE id = first_id;
    END IF;
    IF NEW.exit_date IS DISTINCT FROM OLD.exit_date THEN
      UPDATE member_periods
         SET ends_on = NEW.exit_date,
             exit_reason_id = CASE WHEN NEW.exit_date IS NULL THEN NULL ELSE exit_reason_id END
       WHERE id = last_id;
    END IF;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.members_sync_sign_in_email() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  uid uuid;
  signs_in_with text;
  may text := coalesce(current_setting('mila.sign_in_email_change', true), '');
BEGIN
  SELECT id, email::text INTO uid, signs_in_with FROM users WHERE member_id = NEW.id;
  IF NOT FOUND OR signs_in_with IS NOT DISTINCT FROM NEW.email::text THEN
    RETURN NULL;
  END IF;
  IF NEW.email IS NULL THEN
    RAISE EXCEPTION 'member % is linked to user %, who signs in with its email', NEW.id, uid
      USING ERRCODE = 'check_violation', CONSTRAINT = 'members_linked_email_required';
  END IF;
  IF may <> 'all' AND may <> uid::text THEN
    RAISE EXCEPTION 'changing the email of member % would change the sign-in email of user %, which this transaction may not', NEW.id, uid
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'users_sign_in_email_change';
  END IF;
  UPDATE users SET email = NEW.email WHERE id = uid;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.search_deletions(w text) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  WITH s AS (SELECT search_spelling(w) AS n),
  d1 AS (SELECT overlay(s.n PLACING '' FROM i FOR 1) AS v
           FROM s, generate_series(1, char_length(s.n)) i
          WHERE char_length(s.n) >= 3)
  SELECT n FROM s
  UNION
  SELECT v FROM d1
  UNION
  SELECT overlay(d1.v PLACING '' FROM i FOR 1)
    FROM s, d1, generate_series(1, char_length(d1.v)) i
   WHERE char_length(s.n) >= 8
$$;

CREATE FUNCTION public.search_edit_distance(a text, b text, max integer) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
DECLARE
  la integer := char_length(a);
  lb integer := char_length(b);
  prev2 integer[];
  prev integer[];
  cur integer[];
  i integer;
  j integer;
  cost integer;
  best integer;
BEGIN
  IF a = b THEN
    RETURN 0;
  END IF;
  IF abs(la - lb) > max THEN
    RETURN max + 1;
  END IF;
  IF la = 0 OR lb = 0 THEN
    RETURN greatest(la, lb);
  END IF;
  prev := array_fill(0, ARRAY[lb + 1], ARRAY[0]);
  FOR j IN 0 .. lb LOOP
    prev[j] := j;
  END LOOP;
  FOR i IN 1 .. la LOOP
    cur := array_fill(0, ARRAY[lb + 1], ARRAY[0]);
    cur[0] := i;
    best := i;
    FOR j IN 1 .. lb LOOP
      cost := CASE WHEN substr(a, i, 1) = substr(b, j, 1) THEN 0 ELSE 1 END;
      cur[j] := least(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      IF i > 1 AND j > 1 AND substr(a, i, 1) = substr(b, j - 1, 1) AND substr(a, i - 1, 1) = substr(b, j, 1) THEN
        cur[j] := least(cur[j], prev2[j - 2] + 1);
      END IF;
      best := least(best, cur[j]);
    END LOOP;
    IF best > max THEN
      RETURN max + 1;
    END IF;
    prev2 := prev;
    prev := cur;
  END LOOP;
  RETURN least(prev[lb], max + 1);
END
$$;

CREATE FUNCTION public.search_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
  SELECT lower(public.f_unaccent(replace(replace($1, 'ß', 'ss'), 'ẞ', 'SS')))
$_$;

CREATE FUNCTION public.search_spelling(w text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  SELECT replace(replace(w, 'ph', 'f'), 'th', 't')
$$;

CREATE FUNCTION public.search_words_add(texts text[]) RETURNS void
    LANGUAGE sql
    AS $$
  INSERT INTO search_words (word)
  SELECT DISTINCT w FROM unnest(texts) t, regexp_split_to_table(search_key(t), '[^[:alnum:]]+') w
   WHERE w <> '' AND char_length(w) <= 100
  ON CONFLICT DO NOTHING
$$;

CREATE FUNCTION public.search_words_variants() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO search_word_variants (variant, word)
  SELECT DISTINCT v, n.word FROM new_words n, search_deletions(n.word) v
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE FUNCTION public.user_display_name(member_id uuid, display_name text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $_$
  SELECT coalesce((SELECT m.first_name || ' ' || m.last_name FROM members m WHERE m.id = $1), $2, '')
$_$;

CREATE FUNCTION public.users_name_keep() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NEW.member_id IS NOT NULL THEN
    IF TG_OP = 'INSERT' OR NEW.member_id IS DISTINCT FROM OLD.member_id THEN
      NEW.display_name := NULL;
    END IF;
  ELSIF NEW.display_name IS NULL OR btrim(NEW.display_name) = '' THEN
    NEW.display_name := coalesce(
      (SELECT left(m.first_name || ' ' || m.last_name, 100) FROM members m WHERE m.id = OLD.member_id),
      left(split_part(NEW.email::text, '@', 1), 100));
  END IF;
  RETURN NEW;
END
$$;

CREATE FUNCTION public.users_sync_member_email() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  UPDATE members SET email = NEW.email, version = version + 1
   WHERE id = NEW.member_id AND email::text IS DISTINCT FROM NEW.email::text;
  RETURN NULL;
END
$$;

CREATE FUNCTION public.uuid_generate_v7() RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    AS $$
  SELECT encode(
    set_bit(
      set_bit(
        overlay(uuid_send(gen_random_uuid())
                placing substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                FROM 1 FOR 6),
        52, 1),
      53, 1),
    'hex')::uuid
$$;

CREATE AGGREGATE public.tsvector_agg(tsvector) (
    SFUNC = tsvector_concat,
    STYPE = tsvector,
    INITCOND = ''
);

CREATE TABLE public.audit_chain (
    seq bigint NOT NULL,
    id bigint NOT NULL,
    content_hash bytea NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT audit_chain_seq_check CHECK ((seq > 0))
);

CREATE TABLE public.audit_head (
    one boolean DEFAULT true NOT NULL,
    last_id bigint DEFAULT 0 NOT NULL,
    hash bytea NOT NULL,
    seq bigint DEFAULT 0 NOT NULL,
    last_xid xid8 DEFAULT '0'::xid8 NOT NULL,
    CONSTRAINT audit_head_one_check CHECK (one)
);

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;

CREATE VIEW public.audit_tables AS
 SELECT (c.relname)::text AS table_name
   FROM (pg_class c
     JOIN pg_namespace ns ON ((ns.oid = c.relnamespace)))
  WHERE ((ns.nspname = "current_schema"()) AND (c.relkind = 'r'::"char") AND (( SELECT count(*) AS count
           FROM pg_trigger t
          WHERE ((t.tgrelid = c.oid) AND (t.tgname = ANY (ARRAY['audit_ins'::name, 'audit_upd'::name, 'audit_del'::name, 'audit_trunc'::name])))) = 4));

CREATE TABLE public.club_settings (
    id boolean DEFAULT true NOT NULL,
    name text DEFAULT ''::text NOT NULL,
    logo bytea,
    logo_type text,
    accent text,
    default_lang text DEFAULT 'en'::text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT club_settings_accent_check CHECK ((accent ~ '^#[0-9a-f]{6}$'::text)),
    CONSTRAINT club_settings_check CHECK (((logo IS NULL) = (logo_type IS NULL))),
    CONSTRAINT club_settings_default_lang_check CHECK ((default_lang = ANY (ARRAY['en'::text, 'de'::text]))),
    CONSTRAINT club_settings_id_check CHECK (id),
    CONSTRAINT club_settings_logo_check CHECK ((octet_length(logo) <= 262144)),
    CONSTRAINT club_settings_logo_type_check CHECK ((logo_type = ANY (ARRAY['image/png'::text, 'image/jpeg'::text, 'image/gif'::text]))),
    CONSTRAINT club_settings_name_check CHECK ((char_length(name) <= 100))
);

CREATE TABLE public.custom_field_options (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    custom_field_id uuid NOT NULL,
    label text NOT NULL,
    "position" integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT custom_field_options_label_check CHECK ((((char_length(label) >= 1) AND (char_length(label) <= 100)) AND (label = btrim(label)) AND (label !~ '[,;]'::text))),
    CONSTRAINT custom_field_options_position_check CHECK (("position" > 0))
);

CREATE TABLE public.custom_field_values (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    member_id uuid NOT NULL,
    custom_field_id uuid NOT NULL,
    value text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    unique_value boolean DEFAULT false NOT NULL,
    CONSTRAINT custom_field_values_value_check CHECK ((char_length(value) <= 1000))
);

CREATE TABLE public.custom_fields (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    name public.citext NOT NULL,
    slug text NOT NULL,
    value_type text NOT NULL,
    required boolean DEFAULT false NOT NULL,
    show_in_overview boolean DEFAULT false NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    member_editable boolean DEFAULT false NOT NULL,
    unique_values boolean DEFAULT false NOT NULL,
    birth_date boolean DEFAULT false NOT NULL,
    CONSTRAINT custom_fields_birth_date_type CHECK (((NOT birth_date) OR (value_type = 'date'::text))),
    CONSTRAINT custom_fields_description_check CHECK ((char_length(description) <= 500)),
    CONSTRAINT custom_fields_name_check CHECK (((char_length(btrim((name)::text)) >= 1) AND (char_length(btrim((name)::text)) <= 100))),
    CONSTRAINT custom_fields_slug_check CHECK (((char_length(slug) <= 100) AND (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))),
    CONSTRAINT custom_fields_value_type_check CHECK ((value_type = ANY (ARRAY['string'::text, 'integer'::text, 'boolean'::text, 'date'::text, 'email'::text, 'choice'::text, 'multichoice'::text])))
);

CREATE TABLE public.exit_reasons (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    name text NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT exit_reasons_name_check CHECK ((((char_length(name) >= 1) AND (char_length(name) <= 100)) AND (btrim(name) <> ''::text)))
);

CREATE TABLE public.goose_db_version (
    id integer NOT NULL,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp without time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.goose_db_version ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.goose_db_version_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.group_memberships (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    member_id uuid NOT NULL,
    group_id uuid NOT NULL,
    role_id uuid,
    valid_from date DEFAULT CURRENT_DATE NOT NULL,
    valid_until date,
    span daterange GENERATED ALWAYS AS (
CASE
    WHEN (valid_until < valid_from) THEN 'empty'::daterange
    ELSE daterange(valid_from, valid_until, '[)'::text)
END) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT group_memberships_until_after_from CHECK (((valid_until IS NULL) OR (valid_until > valid_from))),
    CONSTRAINT group_memberships_valid_from_check CHECK (((valid_from >= '1800-01-01'::date) AND (valid_from <= '2999-12-31'::date))),
    CONSTRAINT group_memberships_valid_until_check CHECK (((valid_until >= '1800-01-01'::date) AND (valid_until <= '2999-12-31'::date)))
);

CREATE TABLE public.group_roles (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    group_id uuid,
    name text NOT NULL,
    leads boolean DEFAULT false NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT group_roles_name_check CHECK ((((char_length(name) >= 1) AND (char_length(name) <= 100)) AND (btrim(name) <> ''::text)))
);

CREATE TABLE public.groups (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    member_count integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    name_key text GENERATED ALWAYS AS (public.search_key(name)) STORED,
    search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, translate(public.search_key(name), '<>&'::text, '   '::text))) STORED,
    CONSTRAINT groups_description_check CHECK ((char_length(description) <= 500)),
    CONSTRAINT groups_member_count_check CHECK ((member_count >= 0)),
    CONSTRAINT groups_name_check CHECK ((((char_length(name) >= 1) AND (char_length(name) <= 100)) AND (btrim(name) <> ''::text))),
    CONSTRAINT groups_slug_check CHECK ((((char_length(slug) >= 1) AND (char_length(slug) <= 100)) AND (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text)))
);

CREATE TABLE public.import_batch_groups (
    batch_id uuid NOT NULL,
    group_id uuid NOT NULL
);

CREATE TABLE public.import_batch_members (
    batch_id uuid NOT NULL,
    member_id uuid NOT NULL,
    created boolean NOT NULL,
    version integer NOT NULL,
    old_member jsonb,
    old_values jsonb
);

CREATE TABLE public.import_batch_memberships (
    batch_id uuid NOT NULL,
    member_id uuid NOT NULL,
    group_id uuid NOT NULL
);

CREATE TABLE public.import_batches (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    file_name text NOT NULL,
    actor_id uuid,
    actor_name text NOT NULL,
    state text DEFAULT 'dry_run'::text NOT NULL,
    spec jsonb NOT NULL,
    commit_valid_rows boolean DEFAULT false NOT NULL,
    rows_total integer DEFAULT 0 NOT NULL,
    new_count integer DEFAULT 0 NOT NULL,
    update_count integer DEFAULT 0 NOT NULL,
    unchanged_count integer DEFAULT 0 NOT NULL,
    error_count integer DEFAULT 0 NOT NULL,
    failure text DEFAULT ''::text NOT NULL,
    failure_detail text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    queued_at timestamp with time zone,
    finished_at timestamp with time zone,
    undone_at timestamp with time zone,
    undone_by_name text DEFAULT ''::text NOT NULL,
    CONSTRAINT import_batches_actor_name_check CHECK ((char_length(actor_name) <= 254)),
    CONSTRAINT import_batches_file_name_check CHECK ((char_length(file_name) <= 255)),
    CONSTRAINT import_batches_state_check CHECK ((state = ANY (ARRAY['dry_run'::text, 'queued'::text, 'done'::text, 'failed'::text, 'rolled_back'::text, 'undone'::text])))
);

CREATE TABLE public.import_mappings (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    name public.citext NOT NULL,
    spec jsonb NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT import_mappings_name_check CHECK (((char_length(btrim((name)::text)) >= 1) AND (char_length(btrim((name)::text)) <= 100)))
);

CREATE TABLE public.import_progress (
    batch_id uuid NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    rows_done integer DEFAULT 0 NOT NULL,
    rows_total integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.import_rows (
    batch_id uuid NOT NULL,
    line integer NOT NULL,
    status text NOT NULL,
    member_id uuid,
    member_version integer,
    cells text[] NOT NULL,
    vals jsonb,
    diff jsonb,
    errors jsonb,
    search text DEFAULT ''::text NOT NULL,
    CONSTRAINT import_rows_status_check CHECK ((status = ANY (ARRAY['new'::text, 'update'::text, 'unchanged'::text, 'error'::text])))
);

CREATE TABLE public.import_uploads (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    file_name text NOT NULL,
    actor_id uuid,
    size bigint NOT NULL,
    data bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT import_uploads_file_name_check CHECK (((char_length(file_name) >= 1) AND (char_length(file_name) <= 255))),
    CONSTRAINT import_uploads_size_check CHECK (((size >= 1) AND (size <= 52428800)))
);

CREATE TABLE public.mail_keys (
    name text NOT NULL,
    key bytea NOT NULL,
    CONSTRAINT mail_keys_key_check CHECK ((octet_length(key) >= 32)),
    CONSTRAINT mail_keys_name_check CHECK ((name = 'unsubscribe'::text))
);

CREATE TABLE public.mail_outbox (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    kind text NOT NULL,
    mailing_id uuid,
    member_id uuid,
    to_address text NOT NULL,
    to_name text DEFAULT ''::text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    body_html text DEFAULT ''::text NOT NULL,
    reply_to text DEFAULT ''::text NOT NULL,
    list_unsubscribe text DEFAULT ''::text NOT NULL,
    state text DEFAULT 'queued'::text NOT NULL,
    priority smallint DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_answer text DEFAULT ''::text NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    worker_id integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_at timestamp with time zone,
    sent_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT mail_outbox_check CHECK ((((kind = 'mailing'::text) <= (mailing_id IS NOT NULL)) AND ((kind = 'account'::text) <= (mailing_id IS NULL)))),
    CONSTRAINT mail_outbox_check1 CHECK (((state = 'sending'::text) = (worker_id IS NOT NULL))),
    CONSTRAINT mail_outbox_kind_check CHECK ((kind = ANY (ARRAY['account'::text, 'mailing'::text, 'test'::text]))),
    CONSTRAINT mail_outbox_last_answer_check CHECK ((char_length(last_answer) <= 2000)),
    CONSTRAINT mail_outbox_priority_check CHECK ((priority = ANY (ARRAY[0, 1]))),
    CONSTRAINT mail_outbox_state_check CHECK ((state = ANY (ARRAY['queued'::text, 'sending'::text, 'sent'::text, 'failed'::text, 'cancelled'::text, 'unknown'::text]))),
    CONSTRAINT mail_outbox_subject_check CHECK ((char_length(subject) <= 1000)),
    CONSTRAINT mail_outbox_to_address_check CHECK (((char_length(to_address) >= 3) AND (char_length(to_address) <= 254))),
    CONSTRAINT mail_outbox_to_name_check CHECK ((char_length(to_name) <= 300))
);

CREATE SEQUENCE public.mail_worker_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
    CYCLE;

CREATE TABLE public.mailing_attachments (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    mailing_id uuid NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    data bytea NOT NULL,
    CONSTRAINT mailing_attachments_content_type_check CHECK (((char_length(content_type) >= 1) AND (char_length(content_type) <= 200))),
    CONSTRAINT mailing_attachments_data_check CHECK ((octet_length(data) <= 10485760)),
    CONSTRAINT mailing_attachments_filename_check CHECK (((char_length(filename) >= 1) AND (char_length(filename) <= 255)))
);

CREATE TABLE public.mailing_draft_attachments (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    draft_id uuid NOT NULL,
    created_by uuid NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    data bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT mailing_draft_attachments_content_type_check CHECK (((char_length(content_type) >= 1) AND (char_length(content_type) <= 200))),
    CONSTRAINT mailing_draft_attachments_data_check CHECK ((octet_length(data) <= 10485760)),
    CONSTRAINT mailing_draft_attachments_filename_check CHECK (((char_length(filename) >= 1) AND (char_length(filename) <= 255)))
);

CREATE TABLE public.mailing_skipped (
    mailing_id uuid NOT NULL,
    member_id uuid NOT NULL,
    reason text NOT NULL,
    CONSTRAINT mailing_skipped_reason_check CHECK ((reason = ANY (ARRAY['no_email'::text, 'opted_out'::text])))
);

CREATE TABLE public.mailings (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    newsletter boolean DEFAULT false NOT NULL,
    club_business boolean DEFAULT false NOT NULL,
    include_former boolean DEFAULT false NOT NULL,
    source jsonb DEFAULT '{}'::jsonb NOT NULL,
    reply_to public.citext NOT NULL,
    created_by uuid,
    state text DEFAULT 'sending'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT mailings_body_check CHECK (((char_length(body) >= 1) AND (char_length(body) <= 100000))),
    CONSTRAINT mailings_check CHECK ((NOT (newsletter AND club_business))),
    CONSTRAINT mailings_reply_to_check CHECK (((char_length((reply_to)::text) >= 3) AND (char_length((reply_to)::text) <= 254))),
    CONSTRAINT mailings_state_check CHECK ((state = ANY (ARRAY['sending'::text, 'paused'::text, 'cancelled'::text]))),
    CONSTRAINT mailings_subject_check CHECK (((char_length(subject) >= 1) AND (char_length(subject) <= 300)))
);

CREATE TABLE public.member_email_refusals (
    id bigint NOT NULL,
    user_id uuid NOT NULL,
    refused_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.member_email_refusals ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.member_email_refusals_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.member_group_keys (
    member_id uuid NOT NULL,
    sort_name text NOT NULL,
    exit_date date,
    group_count integer DEFAULT 0 NOT NULL,
    first_group_key text,
    group_words tsvector DEFAULT ''::tsvector NOT NULL,
    CONSTRAINT member_group_keys_group_count_check CHECK ((group_count >= 0))
)
WITH (parallel_workers='0');

CREATE TABLE public.member_groups (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    member_id uuid NOT NULL,
    group_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.member_list_columns (
    user_id uuid NOT NULL,
    columns text[] NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT member_list_columns_columns_check CHECK ((cardinality(columns) <= 200))
);

CREATE TABLE public.member_mail_optouts (
    member_id uuid NOT NULL,
    opted_out_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.member_periods (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    member_id uuid NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    exit_reason_id uuid,
    resignation_received_on date,
    span daterange GENERATED ALWAYS AS (
CASE
    WHEN (ends_on < starts_on) THEN 'empty'::daterange
    ELSE daterange(starts_on, ends_on, '[)'::text)
END) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT member_periods_end_after_start CHECK (((ends_on IS NULL) OR (ends_on >= starts_on))),
    CONSTRAINT member_periods_ends_on_check CHECK (((ends_on >= '1800-01-01'::date) AND (ends_on <= '2999-12-31'::date))),
    CONSTRAINT member_periods_resignation_received_on_check CHECK (((resignation_received_on >= '1800-01-01'::date) AND (resignation_received_on <= '2999-12-31'::date))),
    CONSTRAINT member_periods_starts_on_check CHECK (((starts_on >= '1800-01-01'::date) AND (starts_on <= '2999-12-31'::date)))
);

CREATE TABLE public.members (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email public.citext,
    phone text DEFAULT ''::text NOT NULL,
    street text DEFAULT ''::text NOT NULL,
    house_number text DEFAULT ''::text NOT NULL,
    postal_code text DEFAULT ''::text NOT NULL,
    city text DEFAULT ''::text NOT NULL,
    country text DEFAULT ''::text NOT NULL,
    join_date date DEFAULT CURRENT_DATE NOT NULL,
    exit_date date,
    notes text DEFAULT ''::text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    cf_text text DEFAULT ''::text NOT NULL,
    sort_name text GENERATED ALWAYS AS (public.search_key(((last_name || ' '::text) || first_name))) STORED,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    name_keys text[] DEFAULT '{}'::text[] NOT NULL,
    search_vector tsvector GENERATED ALWAYS AS (((setweight(to_tsvector('simple'::regconfig, translate(public.search_key(((first_name || ' '::text) || last_name)), '<>&'::text, '   '::text)), 'A'::"char") || setweight(to_tsvector('simple'::regconfig, translate(public.search_key(((((COALESCE((email)::text, ''::text) || ' '::text) || regexp_replace(COALESCE((email)::text, ''::text), '[@._+-]+'::text, ' '::text, 'g'::text)) || ' '::text) || notes)), '<>&'::text, '   '::text)), 'B'::"char")) || setweight(to_tsvector('simple'::regconfig, translate(public.search_key(((((((((((street || ' '::text) || house_number) || ' '::text) || postal_code) || ' '::text) || city) || ' '::text) || country) || ' '::text) || cf_text)), '<>&'::text, '   '::text)), 'C'::"char"))) STORED,
    anonymised_at timestamp with time zone,
    CONSTRAINT members_city_check CHECK ((char_length(city) <= 100)),
    CONSTRAINT members_country_check CHECK ((char_length(country) <= 100)),
    CONSTRAINT members_email_check CHECK (((char_length((email)::text) >= 3) AND (char_length((email)::text) <= 254))),
    CONSTRAINT members_exit_after_join CHECK (((exit_date IS NULL) OR (exit_date >= join_date))),
    CONSTRAINT members_exit_date_check CHECK (((exit_date >= '1800-01-01'::date) AND (exit_date <= '2999-12-31'::date))),
    CONSTRAINT members_first_name_check CHECK (((char_length(first_name) >= 1) AND (char_length(first_name) <= 100))),
    CONSTRAINT members_house_number_check CHECK ((char_length(house_number) <= 20)),
    CONSTRAINT members_join_date_check CHECK (((join_date >= '1800-01-01'::date) AND (join_date <= '2999-12-31'::date))),
    CONSTRAINT members_last_name_check CHECK (((char_length(last_name) >= 1) AND (char_length(last_name) <= 100))),
    CONSTRAINT members_notes_check CHECK ((char_length(notes) <= 10000)),
    CONSTRAINT members_phone_check CHECK ((char_length(phone) <= 50)),
    CONSTRAINT members_postal_code_check CHECK ((char_length(postal_code) <= 20)),
    CONSTRAINT members_street_check CHECK ((char_length(street) <= 200))
);

CREATE TABLE public.password_reset_requests (
    id bigint NOT NULL,
    email public.citext NOT NULL,
    client text NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.password_reset_requests ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.password_reset_requests_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.roles (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    name public.citext NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    permission_set text NOT NULL,
    system_key text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    may_send_mailings boolean DEFAULT false NOT NULL,
    CONSTRAINT roles_description_check CHECK ((char_length(description) <= 500)),
    CONSTRAINT roles_name_check CHECK (((char_length(btrim((name)::text)) >= 1) AND (char_length(btrim((name)::text)) <= 100))),
    CONSTRAINT roles_permission_set_check CHECK ((permission_set = ANY (ARRAY['own_data'::text, 'read_only'::text, 'normal_user'::text, 'admin'::text]))),
    CONSTRAINT roles_system_key_check CHECK ((system_key = ANY (ARRAY['member'::text, 'board'::text, 'treasurer'::text, 'admin'::text])))
);

CREATE TABLE public.saved_lists (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    owner_id uuid NOT NULL,
    name text NOT NULL,
    shared boolean DEFAULT false NOT NULL,
    q text DEFAULT ''::text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    group_slug text DEFAULT ''::text NOT NULL,
    sort text DEFAULT ''::text NOT NULL,
    dir text DEFAULT ''::text NOT NULL,
    per_page integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    columns text[] DEFAULT '{}'::text[] NOT NULL,
    CONSTRAINT saved_lists_columns_check CHECK ((cardinality(columns) <= 200)),
    CONSTRAINT saved_lists_dir_check CHECK ((dir = ANY (ARRAY[''::text, 'asc'::text, 'desc'::text]))),
    CONSTRAINT saved_lists_group_slug_check CHECK ((char_length(group_slug) <= 200)),
    CONSTRAINT saved_lists_name_check CHECK ((((char_length(name) >= 1) AND (char_length(name) <= 100)) AND (name = btrim(name)))),
    CONSTRAINT saved_lists_per_page_check CHECK (((per_page >= 0) AND (per_page <= 100))),
    CONSTRAINT saved_lists_q_check CHECK ((char_length(q) <= 1000)),
    CONSTRAINT saved_lists_sort_check CHECK ((char_length(sort) <= 200)),
    CONSTRAINT saved_lists_status_check CHECK ((status = ANY (ARRAY['active'::text, 'former'::text, 'all'::text])))
);

CREATE TABLE public.search_word_variants (
    variant text NOT NULL,
    word text NOT NULL
);

CREATE TABLE public.search_words (
    word text NOT NULL
);

CREATE TABLE public.sessions (
    token text NOT NULL,
    data bytea NOT NULL,
    expiry timestamp with time zone NOT NULL
);

CREATE TABLE public.settings (
    key text NOT NULL,
    value jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT settings_key_check CHECK ((key = 'retention'::text))
);

CREATE TABLE public.sign_in_failures (
    id bigint NOT NULL,
    email public.citext NOT NULL,
    client text NOT NULL,
    failed_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.sign_in_failures ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sign_in_failures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.user_tokens (
    token_hash bytea NOT NULL,
    purpose text NOT NULL,
    user_id uuid,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT user_tokens_check CHECK (((purpose = 'setup'::text) = (user_id IS NULL))),
    CONSTRAINT user_tokens_purpose_check CHECK ((purpose = ANY (ARRAY['setup'::text, 'set_password'::text, 'reset_password'::text])))
);

CREATE TABLE public.users (
    id uuid DEFAULT public.uuid_generate_v7() NOT NULL,
    email public.citext NOT NULL,
    password_hash text,
    role_id uuid NOT NULL,
    active boolean DEFAULT true NOT NULL,
    last_sign_in_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    member_id uuid,
    session_epoch integer DEFAULT 0 NOT NULL,
    display_name text,
    lang text,
    CONSTRAINT users_display_name_length CHECK ((char_length(display_name) <= 100)),
    CONSTRAINT users_display_name_required CHECK (((member_id IS NOT NULL) OR (COALESCE(char_length(btrim(display_name)), 0) >= 1))),
    CONSTRAINT users_email_check CHECK (((char_length((email)::text) >= 3) AND (char_length((email)::text) <= 254))),
    CONSTRAINT users_lang_check CHECK ((lang = ANY (ARRAY['en'::text, 'de'::text])))
);

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);

ALTER TABLE ONLY public.audit_chain
    ADD CONSTRAINT audit_chain_id_key UNIQUE (id);

ALTER TABLE ONLY public.audit_chain
    ADD CONSTRAINT audit_chain_pkey PRIMARY KEY (seq);

ALTER TABLE ONLY public.audit_head
    ADD CONSTRAINT audit_head_pkey PRIMARY KEY (one);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.club_settings
    ADD CONSTRAINT club_settings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.custom_field_options
    ADD CONSTRAINT custom_field_options_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.custom_field_options
    ADD CONSTRAINT custom_field_options_position_key UNIQUE (custom_field_id, "position") DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY public.custom_field_values
    ADD CONSTRAINT custom_field_values_member_field_key UNIQUE (member_id, custom_field_id);

ALTER TABLE ONLY public.custom_field_values
    ADD CONSTRAINT custom_field_values_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.custom_fields
    ADD CONSTRAINT custom_fields_name_key UNIQUE (name);

ALTER TABLE ONLY public.custom_fields
    ADD CONSTRAINT custom_fields_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.custom_fields
    ADD CONSTRAINT custom_fields_position_key UNIQUE ("position") DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE ONLY public.custom_fields
    ADD CONSTRAINT custom_fields_slug_key UNIQUE (slug);

ALTER TABLE ONLY public.exit_reasons
    ADD CONSTRAINT exit_reasons_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.goose_db_version
    ADD CONSTRAINT goose_db_version_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_no_overlap EXCLUDE USING gist (((uuid_hash_extended(member_id, (0)::bigint) # uuid_hash_extended(group_id, (1)::bigint))) WITH =, ((uuid_send(member_id) || uuid_send(group_id))) WITH =, span WITH &&);

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.group_roles
    ADD CONSTRAINT group_roles_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.groups
    ADD CONSTRAINT groups_slug_key UNIQUE (slug);

ALTER TABLE ONLY public.import_batch_groups
    ADD CONSTRAINT import_batch_groups_pkey PRIMARY KEY (batch_id, group_id);

ALTER TABLE ONLY public.import_batch_members
    ADD CONSTRAINT import_batch_members_pkey PRIMARY KEY (batch_id, member_id);

ALTER TABLE ONLY public.import_batch_memberships
    ADD CONSTRAINT import_batch_memberships_pkey PRIMARY KEY (batch_id, member_id, group_id);

ALTER TABLE ONLY public.import_batches
    ADD CONSTRAINT import_batches_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_name_key UNIQUE (name);

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.import_progress
    ADD CONSTRAINT import_progress_pkey PRIMARY KEY (batch_id);

ALTER TABLE ONLY public.import_rows
    ADD CONSTRAINT import_rows_pkey PRIMARY KEY (batch_id, line);

ALTER TABLE ONLY public.import_uploads
    ADD CONSTRAINT import_uploads_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mail_keys
    ADD CONSTRAINT mail_keys_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.mail_outbox
    ADD CONSTRAINT mail_outbox_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mailing_attachments
    ADD CONSTRAINT mailing_attachments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mailing_draft_attachments
    ADD CONSTRAINT mailing_draft_attachments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mailing_skipped
    ADD CONSTRAINT mailing_skipped_pkey PRIMARY KEY (mailing_id, member_id);

ALTER TABLE ONLY public.mailings
    ADD CONSTRAINT mailings_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.member_email_refusals
    ADD CONSTRAINT member_email_refusals_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.member_group_keys
    ADD CONSTRAINT member_group_keys_pkey PRIMARY KEY (member_id);

ALTER TABLE ONLY public.member_groups
    ADD CONSTRAINT member_groups_member_group_key UNIQUE (member_id, group_id);

ALTER TABLE ONLY public.member_groups
    ADD CONSTRAINT member_groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.member_list_columns
    ADD CONSTRAINT member_list_columns_pkey PRIMARY KEY (user_id);

ALTER TABLE ONLY public.member_mail_optouts
    ADD CONSTRAINT member_mail_optouts_pkey PRIMARY KEY (member_id);

ALTER TABLE ONLY public.member_periods
    ADD CONSTRAINT member_periods_no_overlap EXCLUDE USING gist (uuid_hash_extended(member_id, (0)::bigint) WITH =, uuid_send(member_id) WITH =, span WITH &&);

ALTER TABLE ONLY public.member_periods
    ADD CONSTRAINT member_periods_pkey PRIMARY KEY (id);

ALTER TABLE public.members
    ADD CONSTRAINT members_email_visible CHECK (((email)::text = public.fold_invisible((email)::text))) NOT VALID;

ALTER TABLE ONLY public.members
    ADD CONSTRAINT members_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.password_reset_requests
    ADD CONSTRAINT password_reset_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_name_key UNIQUE (name);

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_system_key_key UNIQUE (system_key);

ALTER TABLE ONLY public.saved_lists
    ADD CONSTRAINT saved_lists_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.search_word_variants
    ADD CONSTRAINT search_word_variants_pkey PRIMARY KEY (variant, word);

ALTER TABLE ONLY public.search_words
    ADD CONSTRAINT search_words_pkey PRIMARY KEY (word);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token);

ALTER TABLE ONLY public.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.sign_in_failures
    ADD CONSTRAINT sign_in_failures_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.user_tokens
    ADD CONSTRAINT user_tokens_pkey PRIMARY KEY (token_hash);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);

ALTER TABLE public.users
    ADD CONSTRAINT users_email_visible CHECK (((email)::text = public.fold_invisible((email)::text))) NOT VALID;

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_member_id_key UNIQUE (member_id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX audit_log_action ON public.audit_log USING btree (action, id);

CREATE INDEX audit_log_actor ON public.audit_log USING btree (actor, id);

CREATE INDEX audit_log_actor_key ON public.audit_log USING btree (public.audit_actor_key(actor), id);

CREATE INDEX audit_log_at ON public.audit_log USING btree (at);

CREATE INDEX audit_log_entity ON public.audit_log USING btree (entity, id);

CREATE INDEX audit_log_member_ids ON public.audit_log USING gin (member_ids);

CREATE INDEX audit_log_xid ON public.audit_log USING btree (xid, id);

CREATE UNIQUE INDEX custom_field_options_label_key ON public.custom_field_options USING btree (custom_field_id, lower(label));

CREATE INDEX custom_field_values_field_idx ON public.custom_field_values USING btree (custom_field_id, member_id);

CREATE INDEX custom_field_values_month_day_idx ON public.custom_field_values USING btree (custom_field_id, "right"(value, 5)) INCLUDE (member_id, value) WHERE (value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'::text);

CREATE UNIQUE INDEX custom_field_values_unique_key ON public.custom_field_values USING btree (custom_field_id, value) WHERE unique_value;

CREATE UNIQUE INDEX custom_fields_name_folded_key ON public.custom_fields USING btree (lower(public.fold_invisible((name)::text)));

CREATE UNIQUE INDEX custom_fields_one_birth_date ON public.custom_fields USING btree ((true)) WHERE birth_date;

CREATE UNIQUE INDEX exit_reasons_name_key ON public.exit_reasons USING btree (lower(name));

CREATE INDEX group_memberships_group_idx ON public.group_memberships USING btree (group_id, valid_from, member_id) INCLUDE (valid_until, role_id);

CREATE INDEX group_memberships_member_group_idx ON public.group_memberships USING btree (member_id, group_id, valid_from) INCLUDE (valid_until, role_id);

CREATE INDEX group_memberships_member_idx ON public.group_memberships USING btree (member_id, valid_from) INCLUDE (group_id, valid_until, role_id);

CREATE INDEX group_memberships_role_idx ON public.group_memberships USING btree (role_id) WHERE (role_id IS NOT NULL);

CREATE UNIQUE INDEX group_roles_name_key ON public.group_roles USING btree (group_id, lower(name)) NULLS NOT DISTINCT;

CREATE INDEX groups_name_key_idx ON public.groups USING btree (name_key, name, id);

CREATE UNIQUE INDEX groups_name_lower_key ON public.groups USING btree (lower(public.fold_invisible(name)));

CREATE INDEX import_batch_members_member_idx ON public.import_batch_members USING btree (member_id);

CREATE INDEX import_batches_created_idx ON public.import_batches USING btree (created_at DESC, id DESC);

CREATE INDEX import_batches_queued_idx ON public.import_batches USING btree (queued_at) WHERE (state = 'queued'::text);

CREATE INDEX import_uploads_created_idx ON public.import_uploads USING btree (created_at);

CREATE INDEX mail_outbox_claimed_at_idx ON public.mail_outbox USING btree (claimed_at) WHERE (claimed_at IS NOT NULL);

CREATE INDEX mail_outbox_created_at_idx ON public.mail_outbox USING btree (created_at DESC);

CREATE INDEX mail_outbox_due_idx ON public.mail_outbox USING btree (priority, next_attempt_at) WHERE (state = 'queued'::text);

CREATE UNIQUE INDEX mail_outbox_mailing_member_key ON public.mail_outbox USING btree (mailing_id, member_id) WHERE (kind = 'mailing'::text);

CREATE INDEX mail_outbox_mailing_state_idx ON public.mail_outbox USING btree (mailing_id, state);

CREATE INDEX mail_outbox_member_idx ON public.mail_outbox USING btree (member_id) WHERE (member_id IS NOT NULL);

CREATE INDEX mail_outbox_sending_idx ON public.mail_outbox USING btree (worker_id) WHERE (state = 'sending'::text);

CREATE INDEX mailing_attachments_mailing_idx ON public.mailing_attachments USING btree (mailing_id);

CREATE INDEX mailing_draft_attachments_created_idx ON public.mailing_draft_attachments USING btree (created_at);

CREATE INDEX mailing_draft_attachments_draft_idx ON public.mailing_draft_attachments USING btree (created_by, draft_id);

CREATE INDEX mailings_created_at_idx ON public.mailings USING btree (created_at DESC);

CREATE INDEX member_email_refusals_user_idx ON public.member_email_refusals USING btree (user_id, refused_at);

CREATE INDEX member_group_keys_first_group_key_idx ON public.member_group_keys USING btree (first_group_key, sort_name, member_id) INCLUDE (exit_date);

CREATE INDEX member_group_keys_group_count_idx ON public.member_group_keys USING btree (group_count DESC, sort_name, member_id) INCLUDE (exit_date);

CREATE INDEX member_group_keys_group_words_idx ON public.member_group_keys USING gin (group_words);

CREATE INDEX member_group_keys_no_group_idx ON public.member_group_keys USING btree (sort_name, member_id) INCLUDE (exit_date) WHERE (group_count = 0);

CREATE INDEX member_groups_group_member_idx ON public.member_groups USING btree (group_id, member_id);

CREATE INDEX member_periods_exit_reason_idx ON public.member_periods USING btree (exit_reason_id) WHERE (exit_reason_id IS NOT NULL);

CREATE INDEX member_periods_member_idx ON public.member_periods USING btree (member_id, starts_on) INCLUDE (ends_on);

CREATE INDEX member_periods_span_idx ON public.member_periods USING gist (span);

CREATE INDEX members_email_idx ON public.members USING btree (email);

CREATE INDEX members_exit_date_idx ON public.members USING btree (exit_date DESC);

CREATE INDEX members_join_date_idx ON public.members USING btree (join_date);

CREATE INDEX members_leaving_idx ON public.members USING btree (exit_date, sort_name, id) WHERE (exit_date IS NOT NULL);

CREATE INDEX members_name_keys_idx ON public.members USING gin (name_keys);

CREATE INDEX members_no_email_idx ON public.members USING btree (exit_date) WHERE (email IS NULL);

CREATE INDEX members_search_vector_idx ON public.members USING gin (search_vector);

CREATE INDEX members_sort_name_idx ON public.members USING btree (sort_name, id) INCLUDE (exit_date);

CREATE INDEX members_updated_at_idx ON public.members USING btree (updated_at DESC, id DESC);

CREATE INDEX password_reset_requests_client_idx ON public.password_reset_requests USING btree (client, requested_at);

CREATE INDEX password_reset_requests_email_idx ON public.password_reset_requests USING btree (email, requested_at);

CREATE UNIQUE INDEX roles_name_folded_key ON public.roles USING btree (lower(public.fold_invisible((name)::text)));

CREATE UNIQUE INDEX saved_lists_owner_name_key ON public.saved_lists USING btree (owner_id, lower(name));

CREATE INDEX saved_lists_shared_idx ON public.saved_lists USING btree (lower(name)) WHERE shared;

CREATE INDEX search_word_variants_word_idx ON public.search_word_variants USING btree (word);

CREATE INDEX search_words_trgm_idx ON public.search_words USING gin (word public.gin_trgm_ops);

CREATE INDEX sessions_expiry_idx ON public.sessions USING btree (expiry);

CREATE INDEX sign_in_failures_client_idx ON public.sign_in_failures USING btree (client, failed_at);

CREATE INDEX sign_in_failures_email_idx ON public.sign_in_failures USING btree (email, failed_at);

CREATE INDEX user_tokens_user_id_idx ON public.user_tokens USING btree (user_id);

CREATE INDEX users_role_id_idx ON public.users USING btree (role_id);

CREATE TRIGGER audit_chain_guard BEFORE INSERT OR DELETE OR UPDATE ON public.audit_chain FOR EACH ROW EXECUTE FUNCTION public.audit_chain_guard();

CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON public.audit_chain FOR EACH STATEMENT EXECUTE FUNCTION public.audit_chain_guard();

CREATE TRIGGER audit_del AFTER DELETE ON public.club_settings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', 'logo');

CREATE TRIGGER audit_del AFTER DELETE ON public.custom_field_options REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.custom_field_values REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.custom_fields REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.exit_reasons REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.group_memberships REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.group_roles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.groups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.import_batches REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.import_mappings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.mailings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.member_groups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.member_mail_optouts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.member_periods REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.members REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('id', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.roles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.settings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'key', '');

CREATE TRIGGER audit_del AFTER DELETE ON public.users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_head_guard BEFORE INSERT OR DELETE OR UPDATE ON public.audit_head FOR EACH ROW EXECUTE FUNCTION public.audit_head_guard();

CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON public.audit_head FOR EACH STATEMENT EXECUTE FUNCTION public.audit_head_guard();

CREATE TRIGGER audit_ins AFTER INSERT ON public.club_settings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', 'logo');

CREATE TRIGGER audit_ins AFTER INSERT ON public.custom_field_options REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.custom_field_values REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.custom_fields REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.exit_reasons REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.group_memberships REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.group_roles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.groups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.import_batches REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.import_mappings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.mailings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.member_groups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.member_mail_optouts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.member_periods REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.members REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('id', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.roles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.settings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'key', '');

CREATE TRIGGER audit_ins AFTER INSERT ON public.users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_log_guard BEFORE INSERT OR DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_guard();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_guard();

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.club_settings FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', 'logo');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.custom_field_options FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.custom_field_values FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.custom_fields FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.exit_reasons FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.group_memberships FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.group_roles FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.groups FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.import_batches FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.import_mappings FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.mailings FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.member_groups FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.member_mail_optouts FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.member_periods FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.members FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('id', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.roles FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.settings FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'key', '');

CREATE TRIGGER audit_trunc AFTER TRUNCATE ON public.users FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.club_settings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', 'logo');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.custom_field_options REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.custom_field_values REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.custom_fields REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.exit_reasons REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.group_memberships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.group_roles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.groups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.import_batches REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.import_mappings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.mailings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.member_groups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.member_mail_optouts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.member_periods REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('id', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.roles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'id', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.settings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('-', 'key', '');

CREATE TRIGGER audit_upd AFTER UPDATE ON public.users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_record('member_id', 'id', '');

CREATE TRIGGER custom_field_options_in_use BEFORE DELETE ON public.custom_field_options FOR EACH ROW EXECUTE FUNCTION public.custom_field_options_in_use();

CREATE TRIGGER custom_field_options_renamed AFTER UPDATE OF label ON public.custom_field_options FOR EACH ROW WHEN ((old.label IS DISTINCT FROM new.label)) EXECUTE FUNCTION public.custom_field_options_renamed();

CREATE TRIGGER custom_field_options_updated_at BEFORE UPDATE ON public.custom_field_options FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER custom_field_values_cf_text_del AFTER DELETE ON public.custom_field_values REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.members_refresh_cf_text();

CREATE TRIGGER custom_field_values_cf_text_ins AFTER INSERT ON public.custom_field_values REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.members_refresh_cf_text();

CREATE TRIGGER custom_field_values_cf_text_upd AFTER UPDATE ON public.custom_field_values REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.members_refresh_cf_text();

CREATE TRIGGER custom_field_values_option_ins AFTER INSERT ON public.custom_field_values REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.custom_field_values_options_check();

CREATE TRIGGER custom_field_values_option_upd AFTER UPDATE ON public.custom_field_values REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.custom_field_values_options_check();

CREATE TRIGGER custom_field_values_unique_flag BEFORE INSERT OR UPDATE OF custom_field_id ON public.custom_field_values FOR EACH ROW EXECUTE FUNCTION public.custom_field_values_unique_flag();

CREATE TRIGGER custom_field_values_updated_at BEFORE UPDATE ON public.custom_field_values FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER custom_fields_next_position BEFORE INSERT ON public.custom_fields FOR EACH ROW EXECUTE FUNCTION public.custom_fields_next_position();

CREATE TRIGGER custom_fields_unique_changed AFTER UPDATE OF unique_values ON public.custom_fields FOR EACH ROW WHEN ((old.unique_values IS DISTINCT FROM new.unique_values)) EXECUTE FUNCTION public.custom_fields_unique_changed();

CREATE TRIGGER custom_fields_updated_at BEFORE UPDATE ON public.custom_fields FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER exit_reasons_updated_at BEFORE UPDATE ON public.exit_reasons FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER group_memberships_changed_del AFTER DELETE ON public.group_memberships REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.group_memberships_changed();

CREATE TRIGGER group_memberships_changed_ins AFTER INSERT ON public.group_memberships REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.group_memberships_changed();

CREATE TRIGGER group_memberships_changed_upd AFTER UPDATE ON public.group_memberships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.group_memberships_changed();

CREATE TRIGGER group_memberships_check BEFORE INSERT OR UPDATE ON public.group_memberships FOR EACH ROW EXECUTE FUNCTION public.group_memberships_check();

CREATE TRIGGER group_memberships_updated_at BEFORE UPDATE ON public.group_memberships FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER group_roles_updated_at BEFORE UPDATE ON public.group_roles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER groups_renamed AFTER UPDATE OF name ON public.groups FOR EACH ROW WHEN ((old.name IS DISTINCT FROM new.name)) EXECUTE FUNCTION public.groups_renamed();

CREATE TRIGGER groups_search_words AFTER INSERT OR UPDATE OF name ON public.groups FOR EACH ROW EXECUTE FUNCTION public.groups_search_words();

CREATE TRIGGER groups_updated_at BEFORE UPDATE OF name, description ON public.groups FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER import_mappings_updated_at BEFORE UPDATE ON public.import_mappings FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER member_groups_changed_del AFTER DELETE ON public.member_groups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_groups_changed();

CREATE TRIGGER member_groups_changed_ins AFTER INSERT ON public.member_groups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_groups_changed();

CREATE TRIGGER member_groups_history_del AFTER DELETE ON public.member_groups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_groups_history_del();

CREATE TRIGGER member_groups_history_ins AFTER INSERT ON public.member_groups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_groups_history_ins();

CREATE TRIGGER member_groups_no_move BEFORE UPDATE OF member_id, group_id ON public.member_groups FOR EACH ROW WHEN (((old.member_id IS DISTINCT FROM new.member_id) OR (old.group_id IS DISTINCT FROM new.group_id))) EXECUTE FUNCTION public.member_groups_no_move();

CREATE TRIGGER member_groups_updated_at BEFORE UPDATE ON public.member_groups FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER member_periods_changed_del AFTER DELETE ON public.member_periods REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_periods_changed();

CREATE TRIGGER member_periods_changed_ins AFTER INSERT ON public.member_periods REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_periods_changed();

CREATE TRIGGER member_periods_changed_upd AFTER UPDATE ON public.member_periods REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_periods_changed();

CREATE TRIGGER member_periods_updated_at BEFORE UPDATE ON public.member_periods FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER members_group_keys_ins AFTER INSERT ON public.members REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.member_group_keys_add();

CREATE TRIGGER members_group_keys_upd AFTER UPDATE OF first_name, last_name, exit_date ON public.members FOR EACH ROW WHEN ((((old.first_name IS DISTINCT FROM new.first_name) OR (old.last_name IS DISTINCT FROM new.last_name)) OR (old.exit_date IS DISTINCT FROM new.exit_date))) EXECUTE FUNCTION public.member_group_keys_sync();

CREATE TRIGGER members_keep_user_name BEFORE DELETE ON public.members FOR EACH ROW EXECUTE FUNCTION public.members_keep_user_name();

CREATE TRIGGER members_name_keys BEFORE INSERT OR UPDATE OF first_name, last_name, name_keys ON public.members FOR EACH ROW EXECUTE FUNCTION public.members_set_name_keys();

CREATE TRIGGER members_periods_ins AFTER INSERT ON public.members REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.members_add_periods();

CREATE TRIGGER members_periods_upd AFTER UPDATE OF join_date, exit_date ON public.members FOR EACH ROW WHEN (((old.join_date IS DISTINCT FROM new.join_date) OR (old.exit_date IS DISTINCT FROM new.exit_date))) EXECUTE FUNCTION public.members_sync_periods();

CREATE TRIGGER members_search_words_ins AFTER INSERT ON public.members REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.members_search_words();

CREATE TRIGGER members_search_words_upd AFTER UPDATE OF first_name, last_name ON public.members FOR EACH ROW WHEN (((old.first_name IS DISTINCT FROM new.first_name) OR (old.last_name IS DISTINCT FROM new.last_name))) EXECUTE FUNCTION public.members_search_words();

CREATE TRIGGER members_sync_sign_in_email AFTER UPDATE OF email ON public.members FOR EACH ROW WHEN (((old.email)::text IS DISTINCT FROM (new.email)::text)) EXECUTE FUNCTION public.members_sync_sign_in_email();

CREATE TRIGGER members_updated_at BEFORE UPDATE OF first_name, last_name, email, phone, street, house_number, postal_code, city, country, join_date, exit_date, notes ON public.members FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER roles_updated_at BEFORE UPDATE ON public.roles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER search_words_variants AFTER INSERT ON public.search_words REFERENCING NEW TABLE AS new_words FOR EACH STATEMENT EXECUTE FUNCTION public.search_words_variants();

CREATE TRIGGER users_name_keep BEFORE INSERT OR UPDATE OF member_id, display_name ON public.users FOR EACH ROW EXECUTE FUNCTION public.users_name_keep();

CREATE TRIGGER users_sync_member_email AFTER INSERT OR UPDATE OF email, member_id ON public.users FOR EACH ROW WHEN ((new.member_id IS NOT NULL)) EXECUTE FUNCTION public.users_sync_member_email();

CREATE TRIGGER users_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

ALTER TABLE ONLY public.custom_field_options
    ADD CONSTRAINT custom_field_options_custom_field_id_fkey FOREIGN KEY (custom_field_id) REFERENCES public.custom_fields(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.custom_field_values
    ADD CONSTRAINT custom_field_values_custom_field_id_fkey FOREIGN KEY (custom_field_id) REFERENCES public.custom_fields(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.custom_field_values
    ADD CONSTRAINT custom_field_values_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_group_id_fkey FOREIGN KEY (group_id) REFERENCES public.groups(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.group_memberships
    ADD CONSTRAINT group_memberships_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.group_roles(id);

ALTER TABLE ONLY public.group_roles
    ADD CONSTRAINT group_roles_group_id_fkey FOREIGN KEY (group_id) REFERENCES public.groups(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_batch_groups
    ADD CONSTRAINT import_batch_groups_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.import_batches(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_batch_members
    ADD CONSTRAINT import_batch_members_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.import_batches(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_batch_memberships
    ADD CONSTRAINT import_batch_memberships_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.import_batches(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_batches
    ADD CONSTRAINT import_batches_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.import_progress
    ADD CONSTRAINT import_progress_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.import_batches(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_rows
    ADD CONSTRAINT import_rows_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.import_batches(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_uploads
    ADD CONSTRAINT import_uploads_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.mail_outbox
    ADD CONSTRAINT mail_outbox_mailing_id_fkey FOREIGN KEY (mailing_id) REFERENCES public.mailings(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.mail_outbox
    ADD CONSTRAINT mail_outbox_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.mailing_attachments
    ADD CONSTRAINT mailing_attachments_mailing_id_fkey FOREIGN KEY (mailing_id) REFERENCES public.mailings(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.mailing_draft_attachments
    ADD CONSTRAINT mailing_draft_attachments_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.mailing_skipped
    ADD CONSTRAINT mailing_skipped_mailing_id_fkey FOREIGN KEY (mailing_id) REFERENCES public.mailings(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.mailing_skipped
    ADD CONSTRAINT mailing_skipped_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.mailings
    ADD CONSTRAINT mailings_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.member_email_refusals
    ADD CONSTRAINT member_email_refusals_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.member_group_keys
    ADD CONSTRAINT member_group_keys_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.member_groups
    ADD CONSTRAINT member_groups_group_id_fkey FOREIGN KEY (group_id) REFERENCES public.groups(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.member_groups
    ADD CONSTRAINT member_groups_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.member_list_columns
    ADD CONSTRAINT member_list_columns_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.member_mail_optouts
    ADD CONSTRAINT member_mail_optouts_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.member_periods
    ADD CONSTRAINT member_periods_exit_reason_id_fkey FOREIGN KEY (exit_reason_id) REFERENCES public.exit_reasons(id);

ALTER TABLE ONLY public.member_periods
    ADD CONSTRAINT member_periods_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.saved_lists
    ADD CONSTRAINT saved_lists_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.search_word_variants
    ADD CONSTRAINT search_word_variants_word_fkey FOREIGN KEY (word) REFERENCES public.search_words(word) ON DELETE CASCADE;

ALTER TABLE ONLY public.user_tokens
    ADD CONSTRAINT user_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_member_id_fkey FOREIGN KEY (member_id) REFERENCES public.members(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.roles(id) ON DELETE RESTRICT;
