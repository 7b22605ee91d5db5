-- Look-alike names and addresses (docs/SECURITY.md, "Input handling").
--
-- An email or a group name with an invisible character in it (U+200B
-- zero width space, a soft hyphen, U+FEFF …) looked exactly like another
-- and passed as a different one. Go now normalises every text to NFC,
-- strips invisible characters from the ends of names and refuses them in
-- emails (internal/validate: Clean, Invisible, ValidEmail). Here:
--
--   fold_invisible(text)  the text in NFC without any invisible character:
--                         Unicode category Cf and the other default-
--                         ignorable code points (variation selectors
--                         included). The class below is generated from
--                         Go's unicode tables (Unicode 15.0.0);
--                         pg.TestFoldInvisibleMatchesGo holds the two
--                         together.
--   names                 unique by lower(fold_invisible(name)): groups
--                         (replacing lower(name), same index name), custom
--                         fields and roles. A name may still carry U+200D
--                         inside (emoji sequences); it just cannot be a
--                         second "Jugend".
--   emails                members and users: a new or changed address must
--                         be its own fold (NFC, nothing invisible). NOT
--                         VALID: rows from before are not checked, so the
--                         upgrade cannot fail on them.
--
-- Should two existing names of a kind fold to the same text, creating its
-- index fails and the migration with it (nothing is applied): rename one
-- of them and migrate again.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION fold_invisible(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT regexp_replace(normalize($1, NFC), '[\u00AD\u034F\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]', '', 'g')
$$;
-- +goose StatementEnd

DROP INDEX groups_name_lower_key;
CREATE UNIQUE INDEX groups_name_lower_key ON groups (lower(fold_invisible(name)));
CREATE UNIQUE INDEX custom_fields_name_folded_key ON custom_fields (lower(fold_invisible(name::text)));
CREATE UNIQUE INDEX roles_name_folded_key ON roles (lower(fold_invisible(name::text)));

ALTER TABLE members ADD CONSTRAINT members_email_visible CHECK (email::text = fold_invisible(email::text)) NOT VALID;
ALTER TABLE users ADD CONSTRAINT users_email_visible CHECK (email::text = fold_invisible(email::text)) NOT VALID;

-- +goose Down
ALTER TABLE users DROP CONSTRAINT users_email_visible;
ALTER TABLE members DROP CONSTRAINT members_email_visible;
DROP INDEX roles_name_folded_key;
DROP INDEX custom_fields_name_folded_key;
DROP INDEX groups_name_lower_key;
CREATE UNIQUE INDEX groups_name_lower_key ON groups (lower(name));
DROP FUNCTION fold_invisible(text);
