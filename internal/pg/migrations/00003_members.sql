-- The member register: members, custom data fields and their values, and
-- the optional 1:1 link from a user to a member.
--
-- Search: search_vector is a weighted tsvector (names A; email and notes B;
-- address and custom field values C) and search_trgm the folded names for
-- pg_trgm similarity. Both are generated columns, so PostgreSQL keeps them
-- current on every write of the row; cf_text (the member's custom field
-- values as text) is maintained by statement-level triggers on
-- custom_field_values, which rewrites the member row and so its vector.

-- +goose Up
CREATE TABLE members (
  id           uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  first_name   text NOT NULL CHECK (char_length(first_name) BETWEEN 1 AND 100),
  last_name    text NOT NULL CHECK (char_length(last_name) BETWEEN 1 AND 100),
  email        citext CHECK (char_length(email::text) BETWEEN 3 AND 254),
  phone        text NOT NULL DEFAULT '' CHECK (char_length(phone) <= 50),
  street       text NOT NULL DEFAULT '' CHECK (char_length(street) <= 200),
  house_number text NOT NULL DEFAULT '' CHECK (char_length(house_number) <= 20),
  postal_code  text NOT NULL DEFAULT '' CHECK (char_length(postal_code) <= 20),
  city         text NOT NULL DEFAULT '' CHECK (char_length(city) <= 100),
  country      text NOT NULL DEFAULT '' CHECK (char_length(country) <= 100),
  join_date    date NOT NULL DEFAULT current_date
               CHECK (join_date BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  exit_date    date CHECK (exit_date BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  notes        text NOT NULL DEFAULT '' CHECK (char_length(notes) <= 10000),
  -- version counts saves; an edit form carries it so that a concurrent
  -- edit is detected and reported instead of silently overwritten.
  version      integer NOT NULL DEFAULT 1,
  cf_text      text NOT NULL DEFAULT '',
  sort_name    text GENERATED ALWAYS AS (search_key(last_name || ' ' || first_name)) STORED,
  search_trgm  text GENERATED ALWAYS AS (search_key(first_name || ' ' || last_name)) STORED,
  search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, search_key(first_name || ' ' || last_name)), 'A')
   || setweight(to_tsvector('simple'::regconfig, search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes)), 'B')
   || setweight(to_tsvector('simple'::regconfig, search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text)), 'C')
  ) STORED,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT members_exit_after_join CHECK (exit_date IS NULL OR exit_date >= join_date)
);
-- citext: unique ignoring case; NULLs (no email) never collide.
CREATE UNIQUE INDEX members_email_key ON members (email);
CREATE INDEX members_sort_name_idx ON members (sort_name, id);
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);
CREATE INDEX members_search_trgm_idx ON members USING gin (search_trgm gin_trgm_ops);
CREATE INDEX members_exit_date_idx ON members (exit_date);
-- updated_at tracks the member's own data, not derived search columns
-- that triggers rewrite.
CREATE TRIGGER members_updated_at
  BEFORE UPDATE OF first_name, last_name, email, phone, street, house_number, postal_code,
                   city, country, join_date, exit_date, notes
  ON members FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE custom_fields (
  id               uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  name             citext NOT NULL CHECK (char_length(btrim(name::text)) BETWEEN 1 AND 100),
  slug             text NOT NULL CHECK (char_length(slug) <= 100 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  value_type       text NOT NULL CHECK (value_type IN ('string', 'integer', 'boolean', 'date', 'email')),
  required         boolean NOT NULL DEFAULT false,
  show_in_overview boolean NOT NULL DEFAULT false,
  description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  position         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT custom_fields_name_key UNIQUE (name),
  CONSTRAINT custom_fields_slug_key UNIQUE (slug)
);
CREATE TRIGGER custom_fields_updated_at BEFORE UPDATE ON custom_fields
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Values are stored as text in a canonical form per type (integers in
-- decimal, dates ISO 8601, booleans 'true'/'false'); Go validates per type.
CREATE TABLE custom_field_values (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  member_id       uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  custom_field_id uuid NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
  value           text NOT NULL CHECK (char_length(value) <= 1000),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT custom_field_values_member_field_key UNIQUE (member_id, custom_field_id)
);
CREATE INDEX custom_field_values_field_idx ON custom_field_values (custom_field_id, member_id);
CREATE TRIGGER custom_field_values_updated_at BEFORE UPDATE ON custom_field_values
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- members_refresh_cf_text recomputes cf_text for the members a statement
-- on custom_field_values touched. The members are locked first, in id
-- order, so concurrent writers serialise without deadlock, and the update
-- runs in a fresh snapshot that sees what they committed.
-- +goose StatementBegin
CREATE FUNCTION members_refresh_cf_text() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT member_id) INTO mids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT member_id) INTO mids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT member_id) INTO mids
      FROM (SELECT member_id FROM new_rows UNION SELECT member_id FROM old_rows) s;
  END IF;
  IF mids IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m
     SET cf_text = coalesce((
           SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name)
             FROM custom_field_values v
             JOIN custom_fields f ON f.id = v.custom_field_id
            WHERE v.member_id = m.id AND f.value_type <> 'boolean'), '')
   WHERE m.id = ANY (mids);
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER custom_field_values_cf_text_ins AFTER INSERT ON custom_field_values
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_refresh_cf_text();
CREATE TRIGGER custom_field_values_cf_text_upd AFTER UPDATE ON custom_field_values
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_refresh_cf_text();
CREATE TRIGGER custom_field_values_cf_text_del AFTER DELETE ON custom_field_values
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION members_refresh_cf_text();

-- A user may be linked to one member (1:1, optional).
ALTER TABLE users ADD COLUMN member_id uuid
  CONSTRAINT users_member_id_key UNIQUE
  REFERENCES members (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE users DROP COLUMN member_id;
DROP TABLE custom_field_values;
DROP FUNCTION members_refresh_cf_text();
DROP TABLE custom_fields;
DROP TABLE members;
