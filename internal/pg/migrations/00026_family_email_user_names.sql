-- Families share an email address; users have names (issue 18, items 4
-- and 5).
--
-- 1. members.email is no longer unique: a household reads its mail at one
--    address, and two members may give it. A plain index keeps the
--    lookups (the importer's match, the "also used by" hint, the
--    duplicate warning) fast. A user's sign-in address stays unique
--    (users_email_key): the member <-> user sync triggers of migration
--    00008 are unchanged — a linked member's new email still becomes the
--    sign-in email only with the right, and a sign-in email another user
--    has is still refused.
--
-- 2. users.display_name: the name of a user who is not linked to a
--    member. A linked user's name is the member's first and last name,
--    never copied: user_display_name(member_id, display_name) is the one
--    definition every query uses. users_name_keep keeps the rule:
--      - linking (member_id set) clears display_name;
--      - unlinking, by any path, leaves the user the member's name (or,
--        should the member be gone, the part of the email before the @);
--      - a user created without a name (the command line's
--        `mila admin create`) gets the part of the email before the @.
--    Deleting a member unlinks its user through the foreign key (ON
--    DELETE SET NULL), after the member row is gone; members_keep_user_name
--    hands the name over to the user just before.
--    Existing users: a linked user's name comes from the member; every
--    other user gets the part of the email before the @.
--
-- 3. The audit trail names a signed-in actor "Name <email>" from now on
--    (it was the email alone). audit_actor_key(actor) is the email in
--    either form, lower case, so filtering the trail by an email finds
--    a user's entries from before and after; indexed like the actor.

-- +goose Up
DROP INDEX members_email_key;
CREATE INDEX members_email_idx ON members (email);

ALTER TABLE users ADD COLUMN display_name text
  CONSTRAINT users_display_name_length CHECK (char_length(display_name) <= 100);
UPDATE users SET display_name = left(split_part(email::text, '@', 1), 100) WHERE member_id IS NULL;
ALTER TABLE users ADD CONSTRAINT users_display_name_required
  CHECK (member_id IS NOT NULL OR coalesce(char_length(btrim(display_name)), 0) >= 1);

-- +goose StatementBegin
CREATE FUNCTION user_display_name(member_id uuid, display_name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT m.first_name || ' ' || m.last_name FROM members m WHERE m.id = $1), $2, '')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION users_name_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.member_id IS NOT NULL THEN
    IF TG_OP = 'INSERT' OR NEW.member_id IS DISTINCT FROM OLD.member_id THEN
      NEW.display_name := NULL;
    END IF;
  ELSIF NEW.display_name IS NULL OR btrim(NEW.display_name) = '' THEN
    NEW.display_name := coalesce(
      (SELECT left(m.first_name || ' ' || m.last_name, 100) FROM members m WHERE m.id = OLD.member_id),
      left(split_part(NEW.email::text, '@', 1), 100));
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER users_name_keep BEFORE INSERT OR UPDATE OF member_id, display_name ON users
  FOR EACH ROW EXECUTE FUNCTION users_name_keep();

-- +goose StatementBegin
CREATE FUNCTION members_keep_user_name() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE users SET display_name = left(OLD.first_name || ' ' || OLD.last_name, 100)
   WHERE member_id = OLD.id;
  RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_keep_user_name BEFORE DELETE ON members
  FOR EACH ROW EXECUTE FUNCTION members_keep_user_name();

-- +goose StatementBegin
CREATE FUNCTION audit_actor_key(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT lower(coalesce(substring($1 from '<([^<>]*)>$'), $1))
$$;
-- +goose StatementEnd
CREATE INDEX audit_log_actor_key ON audit_log (audit_actor_key(actor), id);

-- +goose Down
DROP INDEX audit_log_actor_key;
DROP FUNCTION audit_actor_key(text);
DROP TRIGGER members_keep_user_name ON members;
DROP FUNCTION members_keep_user_name();
DROP TRIGGER users_name_keep ON users;
DROP FUNCTION users_name_keep();
DROP FUNCTION user_display_name(uuid, text);
ALTER TABLE users DROP CONSTRAINT users_display_name_required;
ALTER TABLE users DROP COLUMN display_name;
DROP INDEX members_email_idx;
-- Refused while two members share an address: say which, rather than
-- fail on the index with a bare message.
-- +goose StatementBegin
DO $$
DECLARE
  shared text;
BEGIN
  SELECT email::text INTO shared FROM members WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'cannot go back to unique member emails: several members have %', shared
      USING HINT = 'give each of them their own address, then migrate down again';
  END IF;
END
$$;
-- +goose StatementEnd
CREATE UNIQUE INDEX members_email_key ON members (email);
