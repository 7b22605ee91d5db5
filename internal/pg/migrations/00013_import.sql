-- Import of a club's register from CSV or XLSX (internal/importer).
--
-- 1. Unique custom fields: a field marked unique_values (a membership
--    number) holds each value at most once. The flag is copied onto each
--    value row (custom_field_values.unique_value) so that one partial
--    unique index enforces it; a trigger keeps the copy when the flag
--    changes. Turning the flag on over duplicate values fails on that
--    index, and the custom field form reports it.
-- 2. import_batches: one row per uploaded file, from its dry run to its
--    commit (a job run by `mila serve`, claimed with FOR UPDATE SKIP
--    LOCKED) and its undo. The data transaction of a commit keeps the
--    batch row locked while it runs; import_progress, a row of its own,
--    is written in separate short transactions so readers see progress.
--    A batch that is 'queued' with a progress row but not locked belongs
--    to a worker that died: its data transaction never committed, and the
--    next worker marks it rolled back.
-- 3. import_rows: the dry run, one row per line of the file (its cells,
--    the checked values, the per-field diff and the errors). The commit
--    reads it set-based; the dry-run pages read it paged and searched.
-- 4. import_batch_members / _memberships / _groups: what a commit did,
--    for undo — the members it created, the old values of the members it
--    updated (with the version it left them at, so an undo is refused
--    once any of them changed since), the memberships and groups it added.
-- 5. import_mappings: saved column mappings, by name.

-- +goose Up
ALTER TABLE custom_fields ADD COLUMN unique_values boolean NOT NULL DEFAULT false;
ALTER TABLE custom_field_values ADD COLUMN unique_value boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX custom_field_values_unique_key ON custom_field_values (custom_field_id, value) WHERE unique_value;

-- Changing a field's flag takes a SHARE lock on custom_field_values
-- before it updates the copies: it waits for transactions writing values
-- (which may have read the old flag) to end, and holds off new ones until
-- it commits, after which they read the new flag. Flags change rarely;
-- values are written often, and in bulk by imports, so the per-row read
-- takes no lock.
-- +goose StatementBegin
CREATE FUNCTION custom_field_values_unique_flag() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.unique_value := coalesce((SELECT f.unique_values FROM custom_fields f WHERE f.id = NEW.custom_field_id), false);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_field_values_unique_flag BEFORE INSERT OR UPDATE OF custom_field_id ON custom_field_values
  FOR EACH ROW EXECUTE FUNCTION custom_field_values_unique_flag();

-- +goose StatementBegin
CREATE FUNCTION custom_fields_unique_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE custom_field_values IN SHARE MODE;
  UPDATE custom_field_values SET unique_value = NEW.unique_values
   WHERE custom_field_id = NEW.id AND unique_value IS DISTINCT FROM NEW.unique_values;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_fields_unique_changed AFTER UPDATE OF unique_values ON custom_fields
  FOR EACH ROW WHEN (OLD.unique_values IS DISTINCT FROM NEW.unique_values)
  EXECUTE FUNCTION custom_fields_unique_changed();

-- cf_text is recomputed after every statement on custom_field_values;
-- now only members whose text changes are rewritten. An import writes a
-- new member's cf_text with the member, so the values inserted after it
-- rewrite nothing (each rewrite of a member is a new row version with
-- its search vector and every index).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_cf_text() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
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
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m SET cf_text = c.cf_text
    FROM (SELECT u.id, coalesce((
            SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name)
              FROM custom_field_values v
              JOIN custom_fields f ON f.id = v.custom_field_id
             WHERE v.member_id = u.id AND f.value_type <> 'boolean'), '') AS cf_text
            FROM unnest(mids) AS u (id)) c
   WHERE m.id = c.id AND m.cf_text IS DISTINCT FROM c.cf_text;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TABLE import_mappings (
  id         uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  name       citext NOT NULL CHECK (char_length(btrim(name::text)) BETWEEN 1 AND 100),
  spec       jsonb NOT NULL,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT import_mappings_name_key UNIQUE (name)
);
CREATE TRIGGER import_mappings_updated_at BEFORE UPDATE ON import_mappings
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE import_batches (
  id                uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  file_name         text NOT NULL CHECK (char_length(file_name) <= 255),
  actor_id          uuid REFERENCES users (id) ON DELETE SET NULL,
  actor_name        text NOT NULL CHECK (char_length(actor_name) <= 254),
  state             text NOT NULL DEFAULT 'dry_run'
                    CHECK (state IN ('dry_run', 'queued', 'done', 'failed', 'rolled_back', 'undone')),
  spec              jsonb NOT NULL,
  commit_valid_rows boolean NOT NULL DEFAULT false,
  rows_total        integer NOT NULL DEFAULT 0,
  new_count         integer NOT NULL DEFAULT 0,
  update_count      integer NOT NULL DEFAULT 0,
  unchanged_count   integer NOT NULL DEFAULT 0,
  error_count       integer NOT NULL DEFAULT 0,
  -- why a commit failed: a message id (internal/importer/locales) and a
  -- technical detail for the log
  failure           text NOT NULL DEFAULT '',
  failure_detail    text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now(),
  queued_at         timestamptz,
  finished_at       timestamptz,
  undone_at         timestamptz,
  undone_by_name    text NOT NULL DEFAULT ''
);
CREATE INDEX import_batches_queued_idx ON import_batches (queued_at) WHERE state = 'queued';
CREATE INDEX import_batches_created_idx ON import_batches (created_at DESC, id DESC);

CREATE TABLE import_progress (
  batch_id   uuid PRIMARY KEY REFERENCES import_batches (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL DEFAULT now(),
  rows_done  integer NOT NULL DEFAULT 0,
  rows_total integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE import_rows (
  batch_id       uuid NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
  line           integer NOT NULL,
  status         text NOT NULL CHECK (status IN ('new', 'update', 'unchanged', 'error')),
  member_id      uuid,
  member_version integer,
  cells          text[] NOT NULL,
  vals           jsonb,
  diff           jsonb,
  errors         jsonb,
  search         text NOT NULL DEFAULT '',
  PRIMARY KEY (batch_id, line)
);

CREATE TABLE import_batch_members (
  batch_id   uuid NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
  member_id  uuid NOT NULL,
  created    boolean NOT NULL,
  version    integer NOT NULL,
  old_member jsonb,
  old_values jsonb,
  PRIMARY KEY (batch_id, member_id)
);
CREATE INDEX import_batch_members_member_idx ON import_batch_members (member_id);

CREATE TABLE import_batch_memberships (
  batch_id  uuid NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
  member_id uuid NOT NULL,
  group_id  uuid NOT NULL,
  PRIMARY KEY (batch_id, member_id, group_id)
);

CREATE TABLE import_batch_groups (
  batch_id uuid NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
  group_id uuid NOT NULL,
  PRIMARY KEY (batch_id, group_id)
);

-- +goose Down
DROP TABLE import_batch_groups;
DROP TABLE import_batch_memberships;
DROP TABLE import_batch_members;
DROP TABLE import_rows;
DROP TABLE import_progress;
DROP TABLE import_batches;
DROP TABLE import_mappings;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_cf_text() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
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
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m
     SET cf_text = coalesce((
           SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name)
             FROM custom_field_values v
             JOIN custom_fields f ON f.id = v.custom_field_id
            WHERE v.member_id = m.id AND f.value_type <> 'boolean'), '')
   WHERE m.id = ANY (mids);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER custom_fields_unique_changed ON custom_fields;
DROP FUNCTION custom_fields_unique_changed();
DROP TRIGGER custom_field_values_unique_flag ON custom_field_values;
DROP FUNCTION custom_field_values_unique_flag();
DROP INDEX custom_field_values_unique_key;
ALTER TABLE custom_field_values DROP COLUMN unique_value;
ALTER TABLE custom_fields DROP COLUMN unique_values;
