-- Refused email addresses on a member's own form (docs/SECURITY.md,
-- "Authorization"). A user who may read only their own member record
-- (own_data) could test whether any address belongs to a member or a
-- user by saving their form with it: the "already taken" answer told
-- them, hundreds of times a second. Now such a user gets one generic
-- answer, and each such refusal is a row here: after 10 in an hour the
-- form refuses every new address without looking (ask the board).
-- Rows older than the hour are removed when the next one is written.

-- +goose Up
CREATE TABLE member_email_refusals (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  refused_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_email_refusals_user_idx ON member_email_refusals (user_id, refused_at);

-- +goose Down
DROP TABLE member_email_refusals;
