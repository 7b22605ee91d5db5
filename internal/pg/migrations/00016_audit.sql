-- The audit trail (issue 19; docs/PRIVACY.md).
--
-- 1. audit_log: append-only, one row per statement and audited table.
--    A statement that touches many rows (a bulk action, an import, a
--    cascade) is ONE row with row_count and the affected members in
--    member_ids; changes holds one element per row: {"id", "m" (the
--    member), "old", "new"} — for an update only the changed columns.
--    Derived columns (search vectors, counters, updated_at ...) are left
--    out, secrets (password_hash, token_hash ...) appear as "***" and
--    IBAN-like text is masked to its country code and last four characters.
-- 2. The actor comes from two settings the app sets per transaction
--    (pg.InTx / pg.Begin, from the context: `SET LOCAL mila.actor`,
--    `mila.actor_id`); without them the row says "unknown".
-- 3. Hash chain: content_hash = sha256(audit_content(row)); hash =
--    sha256(prev_hash || content_hash). Writers serialize on the single
--    row of audit_head (SELECT ... FOR UPDATE inside the trigger), which
--    also records the last id and hash, so a removed tail is detected.
--    Under REPEATABLE READ a concurrent writer gets a serialization
--    failure, which pg.InTx retries.
-- 4. Append-only: Mila connects as the owner of its tables (external
--    mode) or as the superuser "postgres" (the managed cluster), so table
--    privileges alone cannot stop it. Triggers refuse every UPDATE,
--    DELETE and TRUNCATE, and an INSERT that does not come from
--    audit_record(). The only change allowed is the redaction of an
--    erased member (audit_redact_member, issue 19 item 4), which keeps
--    the hashes and marks the row redacted, so the chain still verifies
--    and the redaction itself is visible. DELETE and TRUNCATE are also
--    revoked from PUBLIC and from the migrating role (no effect on a
--    superuser; the triggers hold either way).
-- 5. audit_attach(table, member_column, key_column, ignore): the one
--    statement that puts a table under audit. audit_tables (a view) lists
--    what is audited; internal/audit's tests fail for a table that is
--    neither audited nor on the documented exclusion list.

-- +goose Up
CREATE SEQUENCE audit_log_id_seq;

CREATE TABLE audit_log (
    id bigint PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    actor_user_id uuid,
    entity text NOT NULL,
    action text NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'truncate')),
    row_count integer NOT NULL CHECK (row_count >= 0),
    entity_id text,
    member_ids uuid[] NOT NULL DEFAULT '{}',
    changes jsonb NOT NULL,
    redacted boolean NOT NULL DEFAULT false,
    content_hash bytea NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL
);
ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

CREATE INDEX audit_log_member_ids ON audit_log USING gin (member_ids);
CREATE INDEX audit_log_entity ON audit_log (entity, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id bigint NOT NULL DEFAULT 0,
    hash bytea NOT NULL
);
INSERT INTO audit_head (hash) VALUES ('\x0000000000000000000000000000000000000000000000000000000000000000');

-- The canonical text a row's content_hash covers (also used by
-- `mila audit verify`). Timestamps in UTC with microseconds, member ids
-- in stored order, changes as jsonb's normalised text.
-- +goose StatementBegin
CREATE FUNCTION audit_content(a audit_log) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(E'\x1f',
    a.id::text,
    to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    a.actor, coalesce(a.actor_user_id::text, ''), a.entity, a.action,
    a.row_count::text, coalesce(a.entity_id, ''),
    array_to_string(a.member_ids, ','), a.changes::text)
$$;
-- +goose StatementEnd

-- Masks IBAN-like text: the country code and the last group (1-4
-- characters) stay.
-- +goose StatementBegin
CREATE FUNCTION audit_mask(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(t,
    '\m([A-Za-z]{2})[0-9]{2}(?: ?[A-Za-z0-9]{4}){2,7}( ?[A-Za-z0-9]{1,4})\M',
    '\1** ****\2', 'g')
$$;
-- +goose StatementEnd

-- A row as audited: derived columns out, secrets as "***".
-- +goose StatementBegin
CREATE FUNCTION audit_clean(j jsonb, ignored text[], secret text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (j - ignored - secret) || coalesce(
    (SELECT jsonb_object_agg(k, '"***"'::jsonb) FROM unnest(secret) k
      WHERE j ? k AND j -> k <> 'null'::jsonb), '{}'::jsonb)
$$;
-- +goose StatementEnd

-- The one trigger function. Arguments (from audit_attach): the column
-- naming the member a row is about, the key column pairing old and new
-- rows of an update, and extra columns to leave out (comma-separated).
-- +goose StatementBegin
CREATE FUNCTION audit_record() RETURNS trigger
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
  ch jsonb;
  mids uuid[];
  a audit_log;
  head audit_head;
  who text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    n := -1; ch := '[]'; mids := '{}';
  ELSIF current_setting('mila.audit_detail', true) = 'off' THEN
    -- The demo loader (documented in docs/PRIVACY.md): one entry with the
    -- count, without the rows' values.
    IF TG_OP = 'INSERT' THEN
      SELECT count(*) INTO n FROM new_rows;
    ELSE
      SELECT count(*) INTO n FROM old_rows;
    END IF;
    ch := jsonb_build_array(jsonb_build_object('summary', true));
    mids := '{}';
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*), jsonb_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, ch, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'new', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM new_rows r) s) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT count(*), jsonb_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, ch, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'old', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM old_rows r) s) s;
  ELSE
    SELECT count(*), jsonb_agg(jsonb_build_object('id', id, 'm', m, 'old', o, 'new', nw) ORDER BY id #>> '{}'),
           array_agg(DISTINCT (m #>> '{}')::uuid) FILTER (WHERE m <> 'null'::jsonb)
      INTO n, ch, mids
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

  ch := audit_mask(ch::text)::jsonb;
  who := nullif(current_setting('mila.actor', true), '');
  a.at := clock_timestamp();
  a.actor := coalesce(who, 'unknown');
  a.actor_user_id := nullif(current_setting('mila.actor_id', true), '')::uuid;
  a.entity := TG_TABLE_NAME;
  a.action := lower(TG_OP);
  a.row_count := n;
  a.entity_id := CASE WHEN n = 1 THEN ch -> 0 ->> 'id' END;
  a.member_ids := coalesce(mids, '{}');
  a.changes := ch;
  a.redacted := false;

  -- The chain: one writer at a time, in id order.
  SELECT * INTO head FROM audit_head FOR UPDATE;
  a.id := nextval('audit_log_id_seq');
  a.prev_hash := head.hash;
  a.content_hash := sha256(convert_to(audit_content(a), 'UTF8'));
  a.hash := sha256(a.prev_hash || a.content_hash);
  INSERT INTO audit_log SELECT a.*;
  UPDATE audit_head SET last_id = a.id, hash = a.hash;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Puts a table under audit with one statement.
-- +goose StatementBegin
CREATE FUNCTION audit_attach(tbl regclass, member_column text DEFAULT 'member_id',
                             key_column text DEFAULT 'id', ignore text[] DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  args text := format('%L, %L, %L', member_column, key_column, array_to_string(ignore, ','));
BEGIN
  EXECUTE format('CREATE TRIGGER audit_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER audit_upd AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER audit_del AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
  EXECUTE format('CREATE TRIGGER audit_trunc AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION audit_record(%s)', tbl, args);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_detach(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS audit_ins ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS audit_upd ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS audit_del ON %s', tbl);
  EXECUTE format('DROP TRIGGER IF EXISTS audit_trunc ON %s', tbl);
END
$$;
-- +goose StatementEnd

-- The tables under audit: those with all three triggers.
CREATE VIEW audit_tables AS
  SELECT c.relname::text AS table_name
    FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
   WHERE ns.nspname = current_schema() AND c.relkind = 'r'
     AND (SELECT count(*) FROM pg_trigger t
           WHERE t.tgrelid = c.oid AND t.tgname IN ('audit_ins', 'audit_upd', 'audit_del', 'audit_trunc')) = 4;

-- Redaction of an erased member's entries (and those of their user
-- accounts, user_ids, from before the account was linked): the only
-- change the guard lets through, only inside this function, hashes
-- untouched.
-- +goose StatementBegin
CREATE FUNCTION audit_redact_member(mid uuid, user_ids text[] DEFAULT '{}') RETURNS integer
LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF pg_trigger_depth() < 2 THEN
      RAISE EXCEPTION 'audit_log: rows are written only by the audit triggers'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('mila.audit_redact', true) = 'on'
     AND NEW.redacted AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
     AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
     AND NEW.entity = OLD.entity AND NEW.action = OLD.action AND NEW.row_count = OLD.row_count
     AND NEW.member_ids = OLD.member_ids
     AND NEW.content_hash = OLD.content_hash AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

-- +goose StatementBegin
CREATE FUNCTION audit_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() >= 2 THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head is kept by the audit triggers: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_head_guard();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_head FROM PUBLIC;
-- +goose StatementBegin
DO $$
BEGIN
  EXECUTE format('REVOKE DELETE, TRUNCATE ON audit_log, audit_head FROM %I', current_user);
END
$$;
-- +goose StatementEnd

SELECT audit_attach('members', 'id');
SELECT audit_attach('custom_fields', '-');
SELECT audit_attach('custom_field_values');
SELECT audit_attach('groups', '-');
SELECT audit_attach('member_groups');
SELECT audit_attach('users');
SELECT audit_attach('roles', '-');
SELECT audit_attach('import_batches', '-');
SELECT audit_attach('import_mappings', '-');

-- 6. Club settings (the retention rule, issue 19 item 5), audited; and
--    the time a member was anonymised (an anonymised former member is no
--    longer due for retention).
CREATE TABLE settings (
    key text PRIMARY KEY CHECK (key IN ('retention')),
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT audit_attach('settings', '-', 'key');
ALTER TABLE members ADD COLUMN anonymised_at timestamptz;

-- +goose Down
ALTER TABLE members DROP COLUMN anonymised_at;
SELECT audit_detach('settings');
DROP TABLE settings;
SELECT audit_detach('members');
SELECT audit_detach('custom_fields');
SELECT audit_detach('custom_field_values');
SELECT audit_detach('groups');
SELECT audit_detach('member_groups');
SELECT audit_detach('users');
SELECT audit_detach('roles');
SELECT audit_detach('import_batches');
SELECT audit_detach('import_mappings');
DROP VIEW audit_tables;
DROP FUNCTION audit_attach(regclass, text, text, text[]);
DROP FUNCTION audit_detach(regclass);
DROP FUNCTION audit_redact_member(uuid, text[]);
DROP FUNCTION audit_record();
DROP FUNCTION audit_content(audit_log);
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP FUNCTION audit_clean(jsonb, text[], text[]);
DROP FUNCTION audit_mask(text);
DROP FUNCTION audit_log_guard();
DROP FUNCTION audit_head_guard();
