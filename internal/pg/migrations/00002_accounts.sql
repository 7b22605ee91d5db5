-- Accounts: roles that point at one of the four fixed permission sets,
-- users with one role each, one-time tokens, and sign-in failures for
-- throttling.

-- +goose Up
CREATE TABLE roles (
  id             uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  name           citext NOT NULL CHECK (char_length(btrim(name::text)) BETWEEN 1 AND 100),
  description    text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  permission_set text NOT NULL CHECK (permission_set IN ('own_data', 'read_only', 'normal_user', 'admin')),
  -- system_key marks the four seeded roles; they are shown translated and
  -- can never be deleted.
  system_key     text UNIQUE CHECK (system_key IN ('member', 'board', 'treasurer', 'admin')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT roles_name_key UNIQUE (name)
);
CREATE TRIGGER roles_updated_at BEFORE UPDATE ON roles
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

INSERT INTO roles (name, description, permission_set, system_key) VALUES
  ('Member',    'Sees and edits only their own member record.', 'own_data',    'member'),
  ('Board',     'Reads everything, changes nothing.',            'read_only',   'board'),
  ('Treasurer', 'Reads everything and edits members.',           'normal_user', 'treasurer'),
  ('Admin',     'Does everything.',                              'admin',       'admin');

CREATE TABLE users (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  email           citext NOT NULL CHECK (char_length(email::text) BETWEEN 3 AND 254),
  -- NULL until the user sets a password through a one-time link.
  password_hash   text,
  role_id         uuid NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
  active          boolean NOT NULL DEFAULT true,
  last_sign_in_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_role_id_idx ON users (role_id);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One-time tokens: 'setup' creates the first admin (no user yet),
-- 'set_password' lets a new user choose a password. Only a SHA-256 hash of
-- the token is stored; a token dies when used.
CREATE TABLE user_tokens (
  token_hash bytea PRIMARY KEY,
  purpose    text NOT NULL CHECK (purpose IN ('setup', 'set_password')),
  user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((purpose = 'setup') = (user_id IS NULL))
);
CREATE INDEX user_tokens_user_id_idx ON user_tokens (user_id);

CREATE TABLE sign_in_failures (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email     citext NOT NULL,
  client    text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, failed_at);
CREATE INDEX sign_in_failures_client_idx ON sign_in_failures (client, failed_at);

-- +goose Down
DROP TABLE sign_in_failures;
DROP TABLE user_tokens;
DROP TABLE users;
DROP TABLE roles;
