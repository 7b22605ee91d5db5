-- Text that looks like markup is searchable.
--
-- PostgreSQL's text parser treats "<script>" as an HTML tag and "&amp;"
-- as an entity and leaves both out of a tsvector, so a member or group
-- named "<b>Chor</b>" or "<script>…" could not be found by its words.
-- The search vector now sees <, > and & as spaces. Found by the
-- hostile-input suite (security.TestHostileNamesInert).

-- +goose Up
DROP INDEX members_search_vector_idx;
ALTER TABLE members DROP COLUMN search_vector;
ALTER TABLE members
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, translate(search_key(first_name || ' ' || last_name), '<>&', '   ')), 'A')
   || setweight(to_tsvector('simple'::regconfig, translate(search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes || ' ' || group_names), '<>&', '   ')), 'B')
   || setweight(to_tsvector('simple'::regconfig, translate(search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text), '<>&', '   ')), 'C')
  ) STORED;
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);

-- +goose Down
DROP INDEX members_search_vector_idx;
ALTER TABLE members DROP COLUMN search_vector;
ALTER TABLE members
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, search_key(first_name || ' ' || last_name)), 'A')
   || setweight(to_tsvector('simple'::regconfig, search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes || ' ' || group_names)), 'B')
   || setweight(to_tsvector('simple'::regconfig, search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text)), 'C')
  ) STORED;
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);
