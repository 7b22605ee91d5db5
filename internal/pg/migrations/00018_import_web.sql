-- The web import (internal/web/import_*.go) and a faster commit.
--
-- Uploaded import files, kept between the steps of the web import (upload,
-- sheet and column mapping, dry run): in PostgreSQL, not in the memory of
-- one process, so that any Mila process serves the next step and a
-- restart loses nothing. The dry run then stores the rows themselves
-- (import_rows, 00013). Uploads are forgotten after a day
-- (importer.Housekeep); the size limit is the importer's (50 MB).
--
-- The import's commit writes a new member's cf_text with the member (the
-- text its custom values make, computed as members_refresh_cf_text
-- does), so the statement that then inserts those values need not
-- refresh it: for 100,000 members that refresh locked and re-read every
-- one of them, half of the statement's time. The commit declares it for
-- that one INSERT and takes the declaration back right after:
--
--   SELECT set_config('mila.cf_text_written', 'on', true)   … INSERT …   'off'
--
-- Only inserts skip; updates and deletes of values always refresh.

-- +goose Up
CREATE TABLE import_uploads (
  id         uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  file_name  text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
  actor_id   uuid REFERENCES users (id) ON DELETE SET NULL,
  size       bigint NOT NULL CHECK (size BETWEEN 1 AND 52428800),
  data       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_uploads_created_idx ON import_uploads (created_at);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_cf_text() RETURNS trigger
LANGUAGE plpgsql AS $$
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
            FROM unnest(mids) AS u (id)) c
   WHERE m.id = c.id AND m.cf_text IS DISTINCT FROM c.cf_text;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
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
DROP TABLE import_uploads;
