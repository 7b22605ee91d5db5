-- Uploaded import files, kept between the steps of the web import (upload,
-- sheet and column mapping, dry run): in PostgreSQL, not in the memory of
-- one process, so that any Mila process serves the next step and a
-- restart loses nothing. The dry run then stores the rows themselves
-- (import_rows, 00013). Uploads are forgotten after a day
-- (importer.Housekeep); the size limit is the importer's (50 MB).

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

-- +goose Down
DROP TABLE import_uploads;
