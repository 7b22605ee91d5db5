-- The sign-in email and the linked member's email, kept equal in one
-- place: these two triggers. Until now the Go code did it twice (the
-- member action wrote users.email, the user action called into the
-- member package), and the member action did so having checked only the
-- right to update the member: a treasurer who changed the email of a
-- member linked to an administrator changed the administrator's sign-in
-- address (docs/SECURITY.md, "Authorization").
--
-- users → member: a user's email, when it changes or when the user is
-- linked to a member, is copied onto the member (whose version moves on,
-- so a member form opened before reports a conflict instead of writing
-- the old address back).
--
-- member → user: a linked member's new email becomes the user's sign-in
-- email only when the transaction has declared that it may change that
-- user's sign-in email:
--
--   SELECT set_config('mila.sign_in_email_change', 'all' | '<user id>', true)
--
-- The Go action declares it from the permission table (membership:
-- declareSignInEmailRight): 'all' for an actor who may update every user,
-- else the actor's own user id. Anything else is refused with
-- insufficient_privilege, constraint users_sign_in_email_change, so no
-- present or future path can change a sign-in email as a side effect of
-- a member change without saying it may. A linked member's email cannot
-- be removed (constraint members_linked_email_required): the user signs
-- in with it.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION users_sync_member_email() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE members SET email = NEW.email, version = version + 1
   WHERE id = NEW.member_id AND email::text IS DISTINCT FROM NEW.email::text;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_sync_member_email AFTER INSERT OR UPDATE OF email, member_id ON users
  FOR EACH ROW WHEN (NEW.member_id IS NOT NULL) EXECUTE FUNCTION users_sync_member_email();

-- +goose StatementBegin
CREATE FUNCTION members_sync_sign_in_email() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  uid uuid;
  signs_in_with text;
  may text := coalesce(current_setting('mila.sign_in_email_change', true), '');
BEGIN
  SELECT id, email::text INTO uid, signs_in_with FROM users WHERE member_id = NEW.id;
  IF NOT FOUND OR signs_in_with IS NOT DISTINCT FROM NEW.email::text THEN
    RETURN NULL;
  END IF;
  IF NEW.email IS NULL THEN
    RAISE EXCEPTION 'member % is linked to user %, who signs in with its email', NEW.id, uid
      USING ERRCODE = 'check_violation', CONSTRAINT = 'members_linked_email_required';
  END IF;
  IF may <> 'all' AND may <> uid::text THEN
    RAISE EXCEPTION 'changing the email of member % would change the sign-in email of user %, which this transaction may not', NEW.id, uid
      USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'users_sign_in_email_change';
  END IF;
  UPDATE users SET email = NEW.email WHERE id = uid;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_sync_sign_in_email AFTER UPDATE OF email ON members
  FOR EACH ROW WHEN (OLD.email::text IS DISTINCT FROM NEW.email::text)
  EXECUTE FUNCTION members_sync_sign_in_email();

-- +goose Down
DROP TRIGGER members_sync_sign_in_email ON members;
DROP FUNCTION members_sync_sign_in_email();
DROP TRIGGER users_sync_member_email ON users;
DROP FUNCTION users_sync_member_email();
