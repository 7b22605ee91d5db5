-- Group changes without rewriting members (issue 7, figures in
-- docs/PERFORMANCE.md).
--
-- Until now a membership change rewrote the member's row: its group
-- names were part of the stored search vector, and its group count and
-- first group name were indexed columns of members. Adding 10,000
-- members to a group rewrote 10,000 wide rows (1.2 KB each, with the
-- search vector and its GIN index, seven B-tree indexes, and a full page
-- image in the WAL for nearly every row): 1.5–2.3 s.
--
-- 1. member_group_keys: one narrow row per member (about 200 bytes) with
--    what group changes alter — group_count, first_group_key and the words
--    of the member's group names (group_words) — and copies of the
--    member's sort_name and exit_date, so that the group sorts and
--    group=none are index-only walks of this table alone. A bulk group
--    change rewrites these rows, never members. Triggers on members keep
--    the copies (a row per member, created with it, deleted with it).
-- 2. members loses group_names, group_count and first_group_key, and the
--    unused search_trgm; its search vector no longer holds group names
--    (the rows are about half as wide now). A search matches a word in
--    the member's own vector or in group_words; the query code
--    (internal/membership/search.go) combines both per word.
-- 3. groups.search_vector: the words of a group's name, from which
--    group_words is aggregated (tsvector_agg) and by which a search finds
--    out whether a word is part of any group name at all.
-- 4. A GIN index on members.name_keys: the "exact name" tier of the
--    search looks its few rows up instead of rechecking every match.

-- +goose Up
CREATE AGGREGATE tsvector_agg (tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

ALTER TABLE groups ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, translate(search_key(name), '<>&', '   '))) STORED;

CREATE TABLE member_group_keys (
  member_id       uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  -- copies of the member's columns, kept by the triggers below
  sort_name       text NOT NULL,
  exit_date       date,
  -- derived from member_groups, kept by members_refresh_groups
  group_count     integer NOT NULL DEFAULT 0 CHECK (group_count >= 0),
  first_group_key text,
  group_words     tsvector NOT NULL DEFAULT ''
);
INSERT INTO member_group_keys (member_id, sort_name, exit_date, group_count, first_group_key, group_words)
SELECT m.id, m.sort_name, m.exit_date, coalesce(c.n, 0), c.first_key, coalesce(c.words, '')
  FROM members m
  LEFT JOIN (SELECT mg.member_id, count(*)::integer AS n, min(g.name_key) AS first_key,
                    strip(tsvector_agg(g.search_vector)) AS words
               FROM member_groups mg JOIN groups g ON g.id = mg.group_id
              GROUP BY mg.member_id) c ON c.member_id = m.id
 ORDER BY m.sort_name, m.id;
CREATE INDEX member_group_keys_first_group_key_idx ON member_group_keys (first_group_key, sort_name, member_id) INCLUDE (exit_date);
CREATE INDEX member_group_keys_group_count_idx ON member_group_keys (group_count DESC, sort_name, member_id) INCLUDE (exit_date);
CREATE INDEX member_group_keys_no_group_idx ON member_group_keys (sort_name, member_id) INCLUDE (exit_date) WHERE group_count = 0;
CREATE INDEX member_group_keys_group_words_idx ON member_group_keys USING gin (group_words);
-- Its queries are index lookups and walks; two workers starting up for a
-- scan of a few thousand narrow rows only add latency.
ALTER TABLE member_group_keys SET (parallel_workers = 0);

-- A new member gets its row (once per statement: COPY of a register too).
-- +goose StatementBegin
CREATE FUNCTION member_group_keys_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO member_group_keys (member_id, sort_name, exit_date)
  SELECT n.id, n.sort_name, n.exit_date FROM new_rows n;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_group_keys_ins AFTER INSERT ON members
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_group_keys_add();

-- A renamed member or a changed exit date updates the copies.
-- +goose StatementBegin
CREATE FUNCTION member_group_keys_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE member_group_keys SET sort_name = NEW.sort_name, exit_date = NEW.exit_date
   WHERE member_id = NEW.id AND (sort_name, exit_date) IS DISTINCT FROM (NEW.sort_name, NEW.exit_date);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_group_keys_upd AFTER UPDATE OF first_name, last_name, exit_date ON members
  FOR EACH ROW WHEN ((OLD.first_name, OLD.last_name, OLD.exit_date) IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.exit_date))
  EXECUTE FUNCTION member_group_keys_sync();

-- The same contract as before (callers lock groups first; the members'
-- rows are locked in id order, then recomputed in a snapshot taken after
-- the locks), on member_group_keys instead of members.
--
-- After a bulk change (more than 1,000 members) the new group_words are
-- moved from the GIN index's pending list into the index at once: a
-- search would otherwise read the whole list (megabytes after 10,000
-- members) until the next vacuum. Sorted in one batch this costs a few
-- percent of the change; without the pending list (fastupdate off) each
-- entry would be inserted on its own, a third more. It needs ownership of
-- the index; a role without it leaves the list to autovacuum.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_groups(mids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  changed integer;
BEGIN
  PERFORM 1 FROM member_group_keys WHERE member_id = ANY (mids) ORDER BY member_id FOR NO KEY UPDATE;
  UPDATE member_group_keys k
     SET group_count = c.n, first_group_key = c.first_key, group_words = c.words
    FROM (SELECT u.id,
                 count(g.id)::integer AS n,
                 min(g.name_key) AS first_key,
                 strip(tsvector_agg(g.search_vector)) AS words
            FROM unnest(mids) AS u (id)
            LEFT JOIN member_groups mg ON mg.member_id = u.id
            LEFT JOIN groups g ON g.id = mg.group_id
           GROUP BY u.id) c
   WHERE k.member_id = c.id
     AND (k.group_count, k.first_group_key, k.group_words) IS DISTINCT FROM (c.n, c.first_key, c.words);
  GET DIAGNOSTICS changed = ROW_COUNT;
  IF changed > 1000 THEN
    BEGIN
      PERFORM gin_clean_pending_list('member_group_keys_group_words_idx'::regclass);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;
    END;
  END IF;
END
$$;
-- +goose StatementEnd

-- The members' search vector without group names; the group columns go.
DROP INDEX members_search_vector_idx;
ALTER TABLE members DROP COLUMN search_vector, DROP COLUMN search_trgm,
  DROP COLUMN group_names, DROP COLUMN group_count, DROP COLUMN first_group_key;
ALTER TABLE members
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, translate(search_key(first_name || ' ' || last_name), '<>&', '   ')), 'A')
   || setweight(to_tsvector('simple'::regconfig, translate(search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes), '<>&', '   ')), 'B')
   || setweight(to_tsvector('simple'::regconfig, translate(search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text), '<>&', '   ')), 'C')
  ) STORED;
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);
CREATE INDEX members_name_keys_idx ON members USING gin (name_keys);

ANALYZE members, member_group_keys, groups;

-- +goose Down
DROP INDEX members_name_keys_idx;
DROP INDEX members_search_vector_idx;
ALTER TABLE members DROP COLUMN search_vector;
ALTER TABLE members
  ADD COLUMN group_names text NOT NULL DEFAULT '',
  ADD COLUMN group_count integer NOT NULL DEFAULT 0 CHECK (group_count >= 0),
  ADD COLUMN first_group_key text;
UPDATE members m
   SET group_names = c.names, group_count = c.n, first_group_key = c.first_key
  FROM (SELECT mg.member_id, string_agg(g.name, ' ' ORDER BY g.name_key, g.name) AS names,
               count(*)::integer AS n, min(g.name_key) AS first_key
          FROM member_groups mg JOIN groups g ON g.id = mg.group_id
         GROUP BY mg.member_id) c
 WHERE m.id = c.member_id;
ALTER TABLE members
  ADD COLUMN search_trgm text GENERATED ALWAYS AS (search_key(first_name || ' ' || last_name || ' ' || group_names)) STORED,
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, translate(search_key(first_name || ' ' || last_name), '<>&', '   ')), 'A')
   || setweight(to_tsvector('simple'::regconfig, translate(search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes || ' ' || group_names), '<>&', '   ')), 'B')
   || setweight(to_tsvector('simple'::regconfig, translate(search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text), '<>&', '   ')), 'C')
  ) STORED;
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);
CREATE INDEX members_first_group_key_idx ON members (first_group_key, sort_name, id) INCLUDE (exit_date);
CREATE INDEX members_group_count_idx ON members (group_count DESC, sort_name, id) INCLUDE (exit_date);
CREATE INDEX members_no_group_idx ON members (sort_name, id) INCLUDE (exit_date) WHERE group_count = 0;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_groups(mids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m
     SET group_names = c.names, group_count = c.n, first_group_key = c.first_key
    FROM (SELECT u.id,
                 coalesce(string_agg(g.name, ' ' ORDER BY g.name_key, g.name), '') AS names,
                 count(g.id)::integer AS n,
                 min(g.name_key) AS first_key
            FROM unnest(mids) AS u (id)
            LEFT JOIN member_groups mg ON mg.member_id = u.id
            LEFT JOIN groups g ON g.id = mg.group_id
           GROUP BY u.id) c
   WHERE m.id = c.id
     AND (m.group_names, m.group_count, m.first_group_key) IS DISTINCT FROM (c.names, c.n, c.first_key);
END
$$;
-- +goose StatementEnd
DROP TRIGGER members_group_keys_upd ON members;
DROP FUNCTION member_group_keys_sync();
DROP TRIGGER members_group_keys_ins ON members;
DROP FUNCTION member_group_keys_add();
DROP TABLE member_group_keys;
ALTER TABLE groups DROP COLUMN search_vector;
DROP AGGREGATE tsvector_agg (tsvector);
