-- Ending a user's sessions at once.
--
-- A session records the user's session stamp at sign-in and is valid only
-- while the stamp is unchanged (accounts.ActorForSession). The stamp was
-- a digest of the password hash alone, so changing the password ended
-- the other sessions — but deactivating a user did not: a session unused
-- while the user was deactivated worked again after reactivation.
-- session_epoch is part of the stamp now; deactivating a user and
-- changing their role count it up, which ends every session they have.
-- (At 0 the stamp is what it was, so this migration signs nobody out.)

-- +goose Up
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_epoch;
