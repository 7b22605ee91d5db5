-- Choice options that 10,000 members hold: rename and reorder in one
-- pass (issue 18, item 3; docs/PERFORMANCE.md "options: renaming and
-- reordering choice options at 100,000 members").
--
-- Choice values stay stored as the options' texts (00025): every reader
-- — the member page, overview, exports, search, the access export and
-- the audit trail — keeps reading the text, and a rename or a reorder
-- rewrites the values that hold the option in ONE statement (trigger
-- custom_field_options_renamed; MoveOption's and RemoveOption's UPDATE).
-- An option id in the value would spare that statement but not the
-- expensive part: the members' search text (cf_text, and with it the
-- search vector) must hold the new text right after the rename either
-- way. Measured at 100,000 members with 10,000 holders (EXPLAIN ANALYZE,
-- auto_explain with log_nested_statements, CPU time of the backend), the
-- time went into work around that one statement:
--
--   1. the check that a value names options (custom_field_values_option)
--      was a row trigger with three queries per value: 30,000 queries
--      for 10,000 values. It is now a statement trigger that checks all
--      rows written at once: one join of their parts with the options.
--   2. the audit trigger's UPDATE branch (audit_record) computed
--      to_jsonb(row) again for every column of every row (the planner
--      flattened the subqueries into the per-column lateral): for 10,000
--      wide member rows (their search text changes) that was half the
--      time. The subqueries are fenced (OFFSET 0), so each row is turned
--      into json once — patched in place, see below.
--   3. JIT compilation of the trigger statements (their estimates are
--      large, so the planner compiled with inlining and optimisation)
--      cost more than a second per rename; the rename cascade runs
--      without JIT (custom_field_options_renamed SET jit = off; the
--      store sets it for moves and removals).
--   4. members_refresh_cf_text evaluated each member's new text twice
--      (filter and SET); now once, for exactly the members the statement
--      touched.
--
-- What stays: one UPDATE of the values, the members' cf_text refreshed
-- once for the affected members, one audit entry for the values with
-- each member's old → new (the History tab shows it) and one for the
-- option.

-- +goose Up
DROP TRIGGER custom_field_values_option ON custom_field_values;
DROP FUNCTION custom_field_values_option();

-- custom_field_values_options_check refuses a statement that wrote a
-- choice value naming no option, an option twice, options out of option
-- order, or more than one option of a (single) choice field. The error
-- is the one of 00025 (check_violation, constraint
-- custom_field_values_option, the field's id as DETAIL).
-- +goose StatementBegin
CREATE FUNCTION custom_field_values_options_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT r.custom_field_id, r.value INTO bad
    FROM (SELECT p.custom_field_id, p.value, p.single, o.position,
                 lag(o.position) OVER w AS prev, count(*) OVER (PARTITION BY p.id) AS n
            FROM (SELECT v.id, v.custom_field_id, v.value, f.value_type = 'choice' AS single, x.part, x.i
                    FROM new_rows v
                    JOIN custom_fields f ON f.id = v.custom_field_id AND f.value_type IN ('choice', 'multichoice')
                    LEFT JOIN LATERAL unnest(nullif(string_to_array(v.value, ', '), '{}')) WITH ORDINALITY x (part, i) ON true) p
            LEFT JOIN custom_field_options o ON o.custom_field_id = p.custom_field_id AND o.label = p.part
          WINDOW w AS (PARTITION BY p.id ORDER BY p.i)) r
   WHERE r.position IS NULL OR r.prev >= r.position OR (r.single AND r.n <> 1)
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'value % names no option of field %', bad.value, bad.custom_field_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'custom_field_values_option',
            DETAIL = bad.custom_field_id::text;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_field_values_option_ins AFTER INSERT ON custom_field_values
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION custom_field_values_options_check();
CREATE TRIGGER custom_field_values_option_upd AFTER UPDATE ON custom_field_values
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION custom_field_values_options_check();

-- Renaming an option renames it in every value, in one statement, and
-- everything that follows from it (values' check, members' search text,
-- audit entries) runs without JIT compilation.
ALTER FUNCTION custom_field_options_renamed() SET jit = off;

-- members_refresh_cf_text: each affected member's text computed once.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_cf_text() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF current_setting('mila.cf_text_written', true) = 'on' THEN
      RETURN NULL;
    END IF;
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
  UPDATE members m SET cf_text = c.cf_text
    FROM (SELECT u.id, coalesce((
            SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name)
              FROM custom_field_values v
              JOIN custom_fields f ON f.id = v.custom_field_id
             WHERE v.member_id = u.id AND f.value_type <> 'boolean'), '') AS cf_text
            FROM unnest(mids) AS u (id) OFFSET 0) c
   WHERE m.id = c.id AND m.cf_text IS DISTINCT FROM c.cf_text;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- audit_record (00028, or whatever later migration last replaced it):
-- fence the two subqueries of the UPDATE branch that turn the old and
-- new rows into json, so that each row is converted once and not once
-- per column. Done as an edit of the function's current text, so that
-- it composes with other changes to the function: when the text no
-- longer has the unfenced subqueries, nothing happens.
-- +goose StatementBegin
DO $$
DECLARE
  def text := pg_get_functiondef('audit_record()'::regprocedure);
  fixed text;
BEGIN
  fixed := replace(replace(def,
    'FROM (SELECT to_jsonb(r) j FROM old_rows r) o', 'FROM (SELECT to_jsonb(r) j FROM old_rows r OFFSET 0) o'),
    'JOIN (SELECT to_jsonb(r) j FROM new_rows r) nn', 'JOIN (SELECT to_jsonb(r) j FROM new_rows r OFFSET 0) nn');
  IF fixed <> def THEN
    EXECUTE fixed;
  END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
  def text := pg_get_functiondef('audit_record()'::regprocedure);
  orig text;
BEGIN
  orig := replace(replace(def,
    'FROM (SELECT to_jsonb(r) j FROM old_rows r OFFSET 0) o', 'FROM (SELECT to_jsonb(r) j FROM old_rows r) o'),
    'JOIN (SELECT to_jsonb(r) j FROM new_rows r OFFSET 0) nn', 'JOIN (SELECT to_jsonb(r) j FROM new_rows r) nn');
  IF orig <> def THEN
    EXECUTE orig;
  END IF;
END
$$;
-- +goose StatementEnd

-- members_refresh_cf_text as 00018 left it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION members_refresh_cf_text() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF current_setting('mila.cf_text_written', true) = 'on' THEN
      RETURN NULL;
    END IF;
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
  UPDATE members m SET cf_text = c.cf_text
    FROM (SELECT u.id, coalesce((
            SELECT string_agg(v.value, ' ' ORDER BY f.position, f.name)
              FROM custom_field_values v
              JOIN custom_fields f ON f.id = v.custom_field_id
             WHERE v.member_id = u.id AND f.value_type <> 'boolean'), '') AS cf_text
            FROM unnest(mids) AS u (id)) c
   WHERE m.id = c.id AND m.cf_text IS DISTINCT FROM c.cf_text;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

ALTER FUNCTION custom_field_options_renamed() RESET jit;

DROP TRIGGER custom_field_values_option_upd ON custom_field_values;
DROP TRIGGER custom_field_values_option_ins ON custom_field_values;
DROP FUNCTION custom_field_values_options_check();
-- The row trigger of 00025, as it was.
-- +goose StatementBegin
CREATE FUNCTION custom_field_values_option() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  typ text;
  parts text[];
BEGIN
  SELECT value_type INTO typ FROM custom_fields WHERE id = NEW.custom_field_id;
  IF typ IS DISTINCT FROM 'choice' AND typ IS DISTINCT FROM 'multichoice' THEN
    RETURN NEW;
  END IF;
  parts := string_to_array(NEW.value, ', ');
  IF (typ = 'choice' AND cardinality(parts) <> 1)
     OR NEW.value IS DISTINCT FROM custom_field_choice_text(NEW.custom_field_id, parts)
     OR cardinality(parts) <> (SELECT count(DISTINCT p) FROM unnest(parts) p) THEN
    RAISE EXCEPTION 'value % names no option of field %', NEW.value, NEW.custom_field_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'custom_field_values_option',
            DETAIL = NEW.custom_field_id::text;
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_field_values_option BEFORE INSERT OR UPDATE OF value, custom_field_id ON custom_field_values
  FOR EACH ROW EXECUTE FUNCTION custom_field_values_option();
