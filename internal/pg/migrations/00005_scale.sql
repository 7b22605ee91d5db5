-- Scale: the member overview at 100,000 members (issue 7, measured by
-- bench/, figures in docs/PERFORMANCE.md).
--
-- 1. search_words: every word of the members' names and of the group
--    names, kept by triggers. A typo is now looked up in this short list
--    (pg_trgm word similarity, "Müler" → muller) and the words found join
--    the full-text query, instead of comparing the input with the names of
--    every member (a recheck of thousands of rows for a common word, and
--    "Klettern Fortgeschrittene" finding everybody in any group called
--    "... Fortgeschrittene" as a near miss). Words are never removed: a
--    stale one only adds an alternative that matches nobody.
-- 2. name_keys: the member's names folded the way the search folds its
--    input (search_key, punctuation to spaces) — "first last", "last
--    first", "last", "first". Relevance puts exact name matches first; a
--    stored array makes that test cheap instead of four search_key calls
--    per matching row (the full-text index finds the candidates).
-- 3. The sort indexes carry exit_date, so the default filter (active
--    members) is checked in the index: deep pages (page 1500 skips 75,000
--    entries) and counts read the index only.
-- 4. groups.name_key: search_key(name), stored, for the group list's
--    order and the members' first_group_key, instead of folding every
--    name on every read.
-- 5. members_refresh_groups aggregates all affected members in one grouped
--    join and skips members whose keys do not change.

-- +goose Up
-- A plain column kept by a trigger that runs only when a name is set: a
-- generated column would be recomputed whenever the group triggers
-- rewrite a member (10,000 at a time in a bulk add).
ALTER TABLE members ADD COLUMN name_keys text[] NOT NULL DEFAULT '{}';
-- +goose StatementBegin
CREATE FUNCTION members_name_keys(first_name text, last_name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[
    btrim(regexp_replace(search_key(first_name || ' ' || last_name), '[^[:alnum:]]+', ' ', 'g')),
    btrim(regexp_replace(search_key(last_name || ' ' || first_name), '[^[:alnum:]]+', ' ', 'g')),
    btrim(regexp_replace(search_key(last_name), '[^[:alnum:]]+', ' ', 'g')),
    btrim(regexp_replace(search_key(first_name), '[^[:alnum:]]+', ' ', 'g'))]
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION members_set_name_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.name_keys := members_name_keys(NEW.first_name, NEW.last_name);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_name_keys BEFORE INSERT OR UPDATE OF first_name, last_name, name_keys ON members
  FOR EACH ROW EXECUTE FUNCTION members_set_name_keys();
UPDATE members SET name_keys = members_name_keys(first_name, last_name);

DROP INDEX members_sort_name_idx;
CREATE INDEX members_sort_name_idx ON members (sort_name, id) INCLUDE (exit_date);
DROP INDEX members_first_group_key_idx;
CREATE INDEX members_first_group_key_idx ON members (first_group_key, sort_name, id) INCLUDE (exit_date);
DROP INDEX members_group_count_idx;
CREATE INDEX members_group_count_idx ON members (group_count DESC, sort_name, id) INCLUDE (exit_date);
-- NULL (no exit date: active) first, so counting active members reads
-- them from the start of the index instead of skipping the former ones.
DROP INDEX members_exit_date_idx;
CREATE INDEX members_exit_date_idx ON members (exit_date DESC NULLS FIRST);
-- Members in no group (group=none): a small partial index in name order.
CREATE INDEX members_no_group_idx ON members (sort_name, id) INCLUDE (exit_date) WHERE group_count = 0;

ALTER TABLE groups ADD COLUMN name_key text GENERATED ALWAYS AS (search_key(name)) STORED;
CREATE INDEX groups_name_key_idx ON groups (name_key, name, id);

-- Typos are looked up in search_words now: the trigram index over every
-- member's names and group names is no longer read, and it was the most
-- expensive index to keep (about 80 trigrams per member, rewritten for
-- each of the 10,000 members of a bulk group change). The column stays.
DROP INDEX members_search_trgm_idx;

CREATE TABLE search_words (word text PRIMARY KEY);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- +goose StatementBegin
CREATE FUNCTION search_words_add(texts text[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO search_words (word)
  SELECT DISTINCT w FROM unnest(texts) t, regexp_split_to_table(search_key(t), '[^[:alnum:]]+') w
   WHERE w <> '' AND char_length(w) <= 100
  ON CONFLICT DO NOTHING
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION members_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM search_words_add(array_agg(n.first_name || ' ' || n.last_name)) FROM new_rows n;
  ELSE
    PERFORM search_words_add(ARRAY[NEW.first_name || ' ' || NEW.last_name]);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- Inserts (COPY of a whole register included) once per statement; renames
-- row by row, and only when a name is set: the group triggers rewrite
-- thousands of members without touching a name, and must not pay for
-- this (a statement trigger with transition tables would copy every
-- rewritten row twice).
CREATE TRIGGER members_search_words_ins AFTER INSERT ON members
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_search_words();
CREATE TRIGGER members_search_words_upd AFTER UPDATE OF first_name, last_name ON members
  FOR EACH ROW WHEN ((OLD.first_name, OLD.last_name) IS DISTINCT FROM (NEW.first_name, NEW.last_name))
  EXECUTE FUNCTION members_search_words();

-- +goose StatementBegin
CREATE FUNCTION groups_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM search_words_add(ARRAY[NEW.name]);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER groups_search_words AFTER INSERT OR UPDATE OF name ON groups
  FOR EACH ROW EXECUTE FUNCTION groups_search_words();

SELECT search_words_add(array_agg(first_name || ' ' || last_name)) FROM members;
SELECT search_words_add(array_agg(name)) FROM groups;

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

-- +goose Down
DROP TRIGGER groups_search_words ON groups;
DROP FUNCTION groups_search_words();
DROP TRIGGER members_search_words_upd ON members;
DROP TRIGGER members_search_words_ins ON members;
DROP FUNCTION members_search_words();
DROP FUNCTION search_words_add(text[]);
DROP TABLE search_words;
CREATE INDEX members_search_trgm_idx ON members USING gin (search_trgm gin_trgm_ops);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_groups(mids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m
     SET (group_names, group_count, first_group_key) = (
           SELECT coalesce(string_agg(g.name, ' ' ORDER BY search_key(g.name), g.name), ''),
                  count(g.id)::integer,
                  min(search_key(g.name))
             FROM member_groups mg
             JOIN groups g ON g.id = mg.group_id
            WHERE mg.member_id = m.id)
   WHERE m.id = ANY (mids);
END
$$;
-- +goose StatementEnd
DROP INDEX groups_name_key_idx;
ALTER TABLE groups DROP COLUMN name_key;
DROP INDEX members_no_group_idx;
DROP INDEX members_exit_date_idx;
CREATE INDEX members_exit_date_idx ON members (exit_date);
DROP INDEX members_group_count_idx;
CREATE INDEX members_group_count_idx ON members (group_count DESC, sort_name, id);
DROP INDEX members_first_group_key_idx;
CREATE INDEX members_first_group_key_idx ON members (first_group_key, sort_name, id);
DROP INDEX members_sort_name_idx;
CREATE INDEX members_sort_name_idx ON members (sort_name, id);
DROP TRIGGER members_name_keys ON members;
DROP FUNCTION members_set_name_keys();
DROP FUNCTION members_name_keys(text, text);
ALTER TABLE members DROP COLUMN name_keys;
