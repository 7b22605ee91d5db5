-- Bulk memberships at 100,000 members (issues 14 and 19, speed): adding,
-- removing or ending 10,000 group memberships in one statement, with the
-- audit trail costing little on top.
--
-- 1. One audit entry per statement, not two. member_groups (the
--    memberships current today) and group_memberships (the dated history)
--    mirror each other by triggers (migration 00017): a write to one makes
--    the same change to the other. The trail now records the statement's
--    own table only: the sync triggers (member_groups_history_ins/_del,
--    group_memberships_changed) set the transaction-local flag
--    mila.audit_mirror to the table they write while they write it, and
--    audit_record() leaves out a write to that table when it is made
--    inside a trigger (pg_trigger_depth() > 1). So a bulk add is one
--    member_groups entry, ending memberships one group_memberships entry.
--    A cascade (a member or group deleted) is still recorded: no flag is
--    set then. The member's History tab shows both tables' entries
--    (internal/audit HistoryEntities).
-- 2. IBAN-like text is masked only in the columns that can hold text
--    (audit_text_columns: every column whose type is not a uuid, number,
--    boolean, date, timestamp, range or xid — so text, citext, json,
--    arrays, and any new type are masked), value by value, instead of a
--    regular expression over the whole aggregated entry; a table without
--    such columns (member_groups, group_memberships) is not scanned at all.
--    Each row is turned into json once per statement, and the old and new
--    rows of an update are paired by a hash join on their key: before, the
--    planner evaluated to_jsonb() again for every reference to the row,
--    and ending 10,000 memberships did not finish in ten minutes.
-- 3. The exclusion constraint against overlapping memberships leads with
--    a 64-bit hash of (member, group). btree_gist judges where a uuid
--    belongs by its first eight bytes as a double, which cannot tell apart
--    ids made in the same millisecond (or the demo's, which differ only in
--    their last bytes): the index grew without order, and each check of a
--    new row read about a thousand of its pages (13 to 27 s for the 10,000
--    rows of a bulk add). With the hash first, a check reads a handful.
--    Same name, same rule: (member, group) equal — as 32 bytes, so that
--    no lookup by member_id or group_id is planned on this index, which
--    could not narrow it down — and the spans overlapping. The sync
--    triggers below test "covers today" on the date columns (the B-tree
--    indexes), not on span, for the same reason (as the lists do since
--    migration 00017: membershipCovers in internal/membership).

-- +goose Up
ALTER TABLE group_memberships DROP CONSTRAINT group_memberships_no_overlap,
  ADD CONSTRAINT group_memberships_no_overlap EXCLUDE USING gist (
    (uuid_hash_extended(member_id, 0) # uuid_hash_extended(group_id, 1)) WITH =,
    (uuid_send(member_id) || uuid_send(group_id)) WITH =,
    span WITH &&);

-- +goose StatementBegin
CREATE FUNCTION audit_text_columns(rel oid) RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}')
    FROM pg_attribute a
   WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
     AND a.atttypid NOT IN ('uuid'::regtype, 'boolean'::regtype, 'smallint'::regtype, 'integer'::regtype,
                            'bigint'::regtype, 'numeric'::regtype, 'real'::regtype, 'double precision'::regtype,
                            'date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype,
                            'daterange'::regtype, 'tstzrange'::regtype, 'xid8'::regtype)
$$;
-- +goose StatementEnd

-- The columns cols of a cleaned row (or of an update's old or new values)
-- with IBAN-like text masked: strings as themselves, other JSON (arrays,
-- objects) as their text. Values shorter than the shortest match (13
-- characters) are left as they are without running the expression.
-- +goose StatementBegin
CREATE FUNCTION audit_mask_columns(j jsonb, cols text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN j IS NULL OR cardinality(cols) = 0 THEN j
    ELSE j || coalesce((SELECT jsonb_object_agg(k, CASE jsonb_typeof(j -> k)
                                                     WHEN 'string' THEN to_jsonb(audit_mask(j ->> k))
                                                     ELSE audit_mask((j -> k)::text)::jsonb END)
                          FROM unnest(cols) k
                         WHERE length((j -> k)::text) >= 13), '{}'::jsonb) END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_record() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$
-- Planned for each statement with its real number of rows: a plan cached
-- in the session (plpgsql's generic plan, made for a one-row statement)
-- paired the 10,000 old and new rows of a bulk end in a nested loop, 100
-- million comparisons (305 s in BenchmarkBulkMemberships); and not
-- compiled (JIT), which would cost more than the statements.
SET plan_cache_mode = force_custom_plan
SET jit = off;
-- +goose StatementEnd

-- current (member_groups) → history, unaudited as a mirror
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION member_groups_history_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION member_groups_history_del() RETURNS trigger
LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd

-- history → current (member_groups), unaudited as a mirror
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION group_memberships_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd

-- +goose Down
ALTER TABLE group_memberships DROP CONSTRAINT group_memberships_no_overlap,
  ADD CONSTRAINT group_memberships_no_overlap EXCLUDE USING gist (member_id WITH =, group_id WITH =, span WITH &&);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mcol text := coalesce(nullif(TG_ARGV[0], ''), 'member_id');
  kcol text := coalesce(nullif(TG_ARGV[1], ''), 'id');
  ignored text[] := ARRAY['created_at', 'updated_at', 'version', 'sort_name',
    'search_vector', 'name_key', 'name_keys', 'cf_text', 'member_count',
    'last_sign_in_at', 'unique_value', 'session_epoch']
    || coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{}'::text[]);
  secret text[] := ARRAY['password_hash', 'token_hash', 'token', 'secret'];
  n integer;
  chj json;
  mids uuid[];
  who text;
  ch jsonb;
BEGIN
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
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*), json_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, chj, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'new', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM new_rows r) s) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT count(*), json_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, chj, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'old', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM old_rows r) s) s;
  ELSE
    SELECT count(*), json_agg(jsonb_build_object('id', id, 'm', m, 'old', o, 'new', nw) ORDER BY id #>> '{}'),
           array_agg(DISTINCT (m #>> '{}')::uuid) FILTER (WHERE m <> 'null'::jsonb)
      INTO n, chj, mids
      FROM (SELECT p.nj -> kcol id, coalesce(p.nj -> mcol, p.oj -> mcol, 'null'::jsonb) m,
                   d.o, d.nw
              FROM (SELECT o.j oj, nn.j nj
                      FROM (SELECT to_jsonb(r) j FROM old_rows r) o
                      JOIN (SELECT to_jsonb(r) j FROM new_rows r) nn ON nn.j -> kcol = o.j -> kcol) p
              CROSS JOIN LATERAL (
                SELECT jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.oj -> k END) o,
                       jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.nj -> k END) nw
                  FROM jsonb_object_keys(p.nj) k
                 WHERE NOT k = ANY (ignored) AND p.nj -> k IS DISTINCT FROM p.oj -> k) d
             WHERE d.o IS NOT NULL) s;
  END IF;
  IF coalesce(n, 0) = 0 THEN
    RETURN NULL;
  END IF;
  IF n < 0 THEN
    n := 0; -- TRUNCATE: the number of rows is not known
  END IF;

  ch := audit_mask(chj::text)::jsonb;
  who := nullif(current_setting('mila.actor', true), '');
  INSERT INTO audit_log (xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes)
  VALUES (pg_current_xact_id(), clock_timestamp(), coalesce(who, 'unknown'),
          nullif(current_setting('mila.actor_id', true), '')::uuid, TG_TABLE_NAME, lower(TG_OP), n,
          CASE WHEN n = 1 THEN ch -> 0 ->> 'id' END, coalesce(mids, '{}'), ch);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION group_memberships_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
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
  DELETE FROM member_groups mg
   USING unnest(ms, gs) AS p (member_id, group_id)
   WHERE mg.member_id = p.member_id AND mg.group_id = p.group_id
     AND NOT EXISTS (SELECT 1 FROM group_memberships h
                      WHERE h.member_id = p.member_id AND h.group_id = p.group_id AND h.span @> current_date);
  INSERT INTO member_groups (member_id, group_id)
  SELECT p.member_id, p.group_id FROM unnest(ms, gs) AS p (member_id, group_id)
   WHERE EXISTS (SELECT 1 FROM group_memberships h
                  WHERE h.member_id = p.member_id AND h.group_id = p.group_id AND h.span @> current_date)
     AND EXISTS (SELECT 1 FROM members m WHERE m.id = p.member_id)
   ORDER BY p.group_id, p.member_id
  ON CONFLICT (member_id, group_id) DO NOTHING;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION member_groups_history_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  -- re-added the day it was ended: the membership goes on
  UPDATE group_memberships h SET valid_until = NULL
    FROM new_rows n
   WHERE h.member_id = n.member_id AND h.group_id = n.group_id AND h.valid_until = current_date;
  INSERT INTO group_memberships (member_id, group_id, valid_from)
  SELECT n.member_id, n.group_id, current_date FROM new_rows n
   WHERE NOT EXISTS (SELECT 1 FROM group_memberships h
                      WHERE h.member_id = n.member_id AND h.group_id = n.group_id AND h.span @> current_date);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION member_groups_history_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- a member or group deleted: its history goes by cascade
  END IF;
  DELETE FROM group_memberships h USING old_rows o
   WHERE h.member_id = o.member_id AND h.group_id = o.group_id
     AND h.span @> current_date AND h.valid_from = current_date;
  UPDATE group_memberships h SET valid_until = current_date
    FROM old_rows o
   WHERE h.member_id = o.member_id AND h.group_id = o.group_id AND h.span @> current_date;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP FUNCTION audit_mask_columns(jsonb, text[]);
DROP FUNCTION audit_text_columns(oid);
