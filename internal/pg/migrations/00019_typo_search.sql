-- +goose Up
-- Typos that trigrams miss (issue 18): swapped letters ("Arnlod" for
-- Arnold, "Mülelr", "Baumnan") and a dropped h ("Gunter" for Günther)
-- share too few trigrams with the name to pass the similarity threshold.
-- Edit distance finds them: one edit of any kind (insertion, deletion,
-- substitution, transposition of neighbours) in a typed word of 4+
-- letters, two in one of 8+. To find those words without comparing the
-- input with every word of search_words, each word is stored with its
-- deletion neighbourhood (the word with one, for words of 8+ letters also
-- two, letters left out — "symmetric delete"): a typed word within the
-- allowed distance of a stored word shares at least one of these variants
-- with it, and the few words found that way are checked with the true
-- distance (search_edit_distance). The search computes the typed word's
-- own variants (membership/search.go, searchDeletions) the same way.
--
-- Before comparing, both sides are spelt alike (search_spelling): ph → f,
-- th → t, so Stephan/Stefan and Matthias/Mattias cost no edit. Umlauts
-- are folded already (search_key), and the ASCII spellings ue/oe/ae are
-- tried by the search as a second spelling of the typed word.

-- +goose StatementBegin
CREATE FUNCTION search_spelling(w text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT replace(replace(w, 'ph', 'f'), 'th', 't')
$$;
-- +goose StatementEnd

-- The variants of w (already folded): w spelt alike, and it with one
-- letter left out (3+ letters), with two left out (8+ letters).
-- +goose StatementBegin
CREATE FUNCTION search_deletions(w text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH s AS (SELECT search_spelling(w) AS n),
  d1 AS (SELECT overlay(s.n PLACING '' FROM i FOR 1) AS v
           FROM s, generate_series(1, char_length(s.n)) i
          WHERE char_length(s.n) >= 3)
  SELECT n FROM s
  UNION
  SELECT v FROM d1
  UNION
  SELECT overlay(d1.v PLACING '' FROM i FOR 1)
    FROM s, d1, generate_series(1, char_length(d1.v)) i
   WHERE char_length(s.n) >= 8
$$;
-- +goose StatementEnd

-- The optimal string alignment distance between a and b (Levenshtein
-- plus the transposition of two neighbouring letters as one edit),
-- giving up above max: only a handful of candidate words per typed word
-- are checked, so a plain loop is fast enough.
-- +goose StatementBegin
CREATE FUNCTION search_edit_distance(a text, b text, max integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  la integer := char_length(a);
  lb integer := char_length(b);
  prev2 integer[];
  prev integer[];
  cur integer[];
  i integer;
  j integer;
  cost integer;
  best integer;
BEGIN
  IF a = b THEN
    RETURN 0;
  END IF;
  IF abs(la - lb) > max THEN
    RETURN max + 1;
  END IF;
  IF la = 0 OR lb = 0 THEN
    RETURN greatest(la, lb);
  END IF;
  prev := array_fill(0, ARRAY[lb + 1], ARRAY[0]);
  FOR j IN 0 .. lb LOOP
    prev[j] := j;
  END LOOP;
  FOR i IN 1 .. la LOOP
    cur := array_fill(0, ARRAY[lb + 1], ARRAY[0]);
    cur[0] := i;
    best := i;
    FOR j IN 1 .. lb LOOP
      cost := CASE WHEN substr(a, i, 1) = substr(b, j, 1) THEN 0 ELSE 1 END;
      cur[j] := least(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      IF i > 1 AND j > 1 AND substr(a, i, 1) = substr(b, j - 1, 1) AND substr(a, i - 1, 1) = substr(b, j, 1) THEN
        cur[j] := least(cur[j], prev2[j - 2] + 1);
      END IF;
      best := least(best, cur[j]);
    END LOOP;
    IF best > max THEN
      RETURN max + 1;
    END IF;
    prev2 := prev;
    prev := cur;
  END LOOP;
  RETURN least(prev[lb], max + 1);
END
$$;
-- +goose StatementEnd

CREATE TABLE search_word_variants (
  variant text NOT NULL,
  word text NOT NULL REFERENCES search_words (word) ON DELETE CASCADE,
  PRIMARY KEY (variant, word)
);
CREATE INDEX search_word_variants_word_idx ON search_word_variants (word);

-- search_words only grows (search_words_add inserts ON CONFLICT DO
-- NOTHING, and the transition table holds only the rows really inserted),
-- so the variants follow once per statement.
-- +goose StatementBegin
CREATE FUNCTION search_words_variants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_word_variants (variant, word)
  SELECT DISTINCT v, n.word FROM new_words n, search_deletions(n.word) v
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER search_words_variants AFTER INSERT ON search_words
  REFERENCING NEW TABLE AS new_words FOR EACH STATEMENT EXECUTE FUNCTION search_words_variants();

INSERT INTO search_word_variants (variant, word)
SELECT DISTINCT v, w.word FROM search_words w, search_deletions(w.word) v;

-- +goose Down
DROP TRIGGER search_words_variants ON search_words;
DROP FUNCTION search_words_variants();
DROP TABLE search_word_variants;
DROP FUNCTION search_edit_distance(text, text, integer);
DROP FUNCTION search_deletions(text);
DROP FUNCTION search_spelling(text);
