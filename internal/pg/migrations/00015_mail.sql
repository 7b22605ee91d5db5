-- Mail: a durable outbox of single messages, mailings (one message per
-- recipient), their attachments and skipped recipients, newsletter
-- opt-outs, password-reset tokens and their throttle, and the role flag
-- "may send mailings".
--
-- The outbox is worked by `mila serve` (internal/mail.Worker). A row is
-- claimed with FOR UPDATE SKIP LOCKED and marked 'sending' (worker_id =
-- the claiming worker, which holds the session advisory lock
-- (1296124236, worker_id) on a connection of its own while it lives)
-- before the SMTP transaction starts. A row left 'sending' by a worker
-- whose lock is gone (the process died) becomes 'unknown': it may or may
-- not have reached the server, so it is never resent automatically.

-- +goose Up
CREATE SEQUENCE mail_worker_seq AS integer CYCLE;

ALTER TABLE roles ADD COLUMN may_send_mailings boolean NOT NULL DEFAULT false;
-- By default the board and every role that may edit members may write to
-- members; admins always may (internal/authz).
UPDATE roles SET may_send_mailings = true
 WHERE system_key = 'board' OR permission_set IN ('normal_user', 'admin');

CREATE TABLE mailings (
  id             uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  subject        text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 300),
  body           text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 100000),
  newsletter     boolean NOT NULL DEFAULT false,
  club_business  boolean NOT NULL DEFAULT false,
  include_former boolean NOT NULL DEFAULT false,
  -- What the recipients were chosen from, for the page (group slugs,
  -- overview query, a selection): shown, never re-evaluated.
  source         jsonb NOT NULL DEFAULT '{}',
  reply_to       citext NOT NULL CHECK (char_length(reply_to::text) BETWEEN 3 AND 254),
  created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
  state          text NOT NULL DEFAULT 'sending' CHECK (state IN ('sending', 'paused', 'cancelled')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT (newsletter AND club_business))
);
CREATE INDEX mailings_created_at_idx ON mailings (created_at DESC);

CREATE TABLE mailing_attachments (
  id           uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  mailing_id   uuid NOT NULL REFERENCES mailings (id) ON DELETE CASCADE,
  filename     text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255),
  content_type text NOT NULL CHECK (char_length(content_type) BETWEEN 1 AND 200),
  data         bytea NOT NULL CHECK (octet_length(data) <= 10485760)
);
CREATE INDEX mailing_attachments_mailing_idx ON mailing_attachments (mailing_id);

-- Members a mailing did not go to, and why.
CREATE TABLE mailing_skipped (
  mailing_id uuid NOT NULL REFERENCES mailings (id) ON DELETE CASCADE,
  member_id  uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  reason     text NOT NULL CHECK (reason IN ('no_email', 'opted_out')),
  PRIMARY KEY (mailing_id, member_id)
);

CREATE TABLE mail_outbox (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  -- account: invitations, password resets, notices; mailing; test: a
  -- mailing's test to its author.
  kind            text NOT NULL CHECK (kind IN ('account', 'mailing', 'test')),
  mailing_id      uuid REFERENCES mailings (id) ON DELETE CASCADE,
  member_id       uuid REFERENCES members (id) ON DELETE SET NULL,
  to_address      text NOT NULL CHECK (char_length(to_address) BETWEEN 3 AND 254),
  to_name         text NOT NULL DEFAULT '' CHECK (char_length(to_name) <= 300),
  subject         text NOT NULL CHECK (char_length(subject) <= 1000),
  body_text       text NOT NULL,
  body_html       text NOT NULL DEFAULT '',
  reply_to        text NOT NULL DEFAULT '',
  list_unsubscribe text NOT NULL DEFAULT '',
  state           text NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'unknown')),
  -- 0: account mail and tests go first; 1: mailings.
  priority        smallint NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
  attempts        integer NOT NULL DEFAULT 0,
  last_answer     text NOT NULL DEFAULT '' CHECK (char_length(last_answer) <= 2000),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  worker_id       integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  claimed_at      timestamptz,
  sent_at         timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'mailing') <= (mailing_id IS NOT NULL) AND (kind = 'account') <= (mailing_id IS NULL)),
  CHECK ((state = 'sending') = (worker_id IS NOT NULL))
);
-- One message per recipient and mailing, whatever happens to the queueing.
CREATE UNIQUE INDEX mail_outbox_mailing_member_key ON mail_outbox (mailing_id, member_id) WHERE kind = 'mailing';
CREATE INDEX mail_outbox_due_idx ON mail_outbox (priority, next_attempt_at) WHERE state = 'queued';
CREATE INDEX mail_outbox_sending_idx ON mail_outbox (worker_id) WHERE state = 'sending';
CREATE INDEX mail_outbox_mailing_state_idx ON mail_outbox (mailing_id, state);
CREATE INDEX mail_outbox_member_idx ON mail_outbox (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX mail_outbox_claimed_at_idx ON mail_outbox (claimed_at) WHERE claimed_at IS NOT NULL;
CREATE INDEX mail_outbox_created_at_idx ON mail_outbox (created_at DESC);

-- The key of the opt-out links' HMAC: made once, kept in the database so
-- every Mila process signs alike.
CREATE TABLE mail_keys (
  name  text PRIMARY KEY CHECK (name IN ('unsubscribe')),
  key   bytea NOT NULL CHECK (octet_length(key) >= 32)
);

-- Members who asked for no newsletters (the opt-out link).
CREATE TABLE member_mail_optouts (
  member_id     uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  opted_out_at  timestamptz NOT NULL DEFAULT now()
);

-- Password reset by mail: tokens are user_tokens with their own purpose,
-- and requests are counted per address and per client.
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_check;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
  CHECK (purpose IN ('setup', 'set_password', 'reset_password'));

CREATE TABLE password_reset_requests (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email        citext NOT NULL,
  client       text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_requests_email_idx ON password_reset_requests (email, requested_at);
CREATE INDEX password_reset_requests_client_idx ON password_reset_requests (client, requested_at);

-- +goose Down
DROP TABLE password_reset_requests;
DELETE FROM user_tokens WHERE purpose = 'reset_password';
ALTER TABLE user_tokens DROP CONSTRAINT user_tokens_purpose_check;
ALTER TABLE user_tokens ADD CONSTRAINT user_tokens_purpose_check
  CHECK (purpose IN ('setup', 'set_password'));
DROP TABLE member_mail_optouts;
DROP TABLE mail_keys;
DROP TABLE mail_outbox;
DROP TABLE mailing_skipped;
DROP TABLE mailing_attachments;
DROP TABLE mailings;
ALTER TABLE roles DROP COLUMN may_send_mailings;
DROP SEQUENCE mail_worker_seq;
