-- Attachments of a mailing being written: uploaded with the form and
-- kept between previews, tests and failed submits, so the author does
-- not pick the files again each time. The form carries the draft's id
-- (a random UUID made by Mila); a draft belongs to the user who
-- uploaded (every statement filters on created_by). Sending the mailing
-- moves the files to mailing_attachments in the same transaction; drafts
-- left behind are removed after two days (internal/mail).
--
-- users.lang: the language a user last chose when signing in, so the
-- account mail they get (password reset, notices) is in it; without one,
-- the club's default language (club_settings.default_lang).

-- +goose Up
CREATE TABLE mailing_draft_attachments (
  id           uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  draft_id     uuid NOT NULL,
  created_by   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  filename     text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
  content_type text NOT NULL CHECK (char_length(content_type) BETWEEN 1 AND 200),
  data         bytea NOT NULL CHECK (octet_length(data) <= 10485760),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailing_draft_attachments_draft_idx ON mailing_draft_attachments (created_by, draft_id);
CREATE INDEX mailing_draft_attachments_created_idx ON mailing_draft_attachments (created_at);

ALTER TABLE users ADD COLUMN lang text CHECK (lang IN ('en', 'de'));

-- +goose Down
ALTER TABLE users DROP COLUMN lang;
DROP TABLE mailing_draft_attachments;
