-- +goose Up
-- The club's own settings (issue 18): its name (in the header and page
-- titles), a logo, an accent colour and the language for visitors whose
-- browser asks for none Mila has. One row, always there: the primary key
-- is the constant true, so a second row cannot exist.
CREATE TABLE club_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  name text NOT NULL DEFAULT '' CHECK (char_length(name) <= 100),
  logo bytea CHECK (octet_length(logo) <= 262144),
  logo_type text CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/gif')),
  accent text CHECK (accent ~ '^#[0-9a-f]{6}$'),
  default_lang text NOT NULL DEFAULT 'en' CHECK (default_lang IN ('en', 'de')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((logo IS NULL) = (logo_type IS NULL))
);
INSERT INTO club_settings DEFAULT VALUES;
-- Changes of the settings are in the audit trail (migration 00016); the
-- logo's bytes are left out of the entries (its type and the time show
-- that it changed).
SELECT audit_attach('club_settings', '-', 'id', ARRAY['logo']);

-- The home page's "recently changed" members (updated_at is set at
-- creation and by every change of a member's own data).
CREATE INDEX members_updated_at_idx ON members (updated_at DESC, id DESC);

-- +goose Down
DROP INDEX members_updated_at_idx;
DROP TABLE club_settings;
