-- Data fields (issue 18, item 3): choice and multiple-choice fields with
-- their options, and a field order the database keeps consistent.
--
-- A choice value is stored as the option's text, a multiple-choice value
-- as the chosen options' texts in option order joined by ', ' (so search,
-- exports, the access export and the audit trail read the text as it is).
-- The database keeps those texts true to the options:
--   * custom_field_values_option refuses a value that names no option;
--   * renaming an option rewrites the values in the same statement;
--   * an option still in use cannot be deleted (move or clear the values
--     first — the store does both in one transaction);
--   * option texts contain no ',' or ';' (the separators).
-- Field and option positions are unique (deferred, so two rows can swap
-- places in one transaction); a field inserted without a position goes
-- to the end.

-- +goose Up
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_value_type_check;
ALTER TABLE custom_fields ADD CONSTRAINT custom_fields_value_type_check
  CHECK (value_type IN ('string', 'integer', 'boolean', 'date', 'email', 'choice', 'multichoice'));

UPDATE custom_fields f SET position = r.n
  FROM (SELECT id, row_number() OVER (ORDER BY position, name) AS n FROM custom_fields) r
 WHERE f.id = r.id AND f.position IS DISTINCT FROM r.n;
ALTER TABLE custom_fields ALTER COLUMN position SET DEFAULT 0;
ALTER TABLE custom_fields ADD CONSTRAINT custom_fields_position_key UNIQUE (position) DEFERRABLE INITIALLY DEFERRED;

-- +goose StatementBegin
CREATE FUNCTION custom_fields_next_position() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.position IS NULL OR NEW.position <= 0 THEN
    NEW.position := (SELECT coalesce(max(position), 0) + 1 FROM custom_fields);
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_fields_next_position BEFORE INSERT ON custom_fields
  FOR EACH ROW EXECUTE FUNCTION custom_fields_next_position();

CREATE TABLE custom_field_options (
  id              uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  custom_field_id uuid NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
  label           text NOT NULL CONSTRAINT custom_field_options_label_check
                  CHECK (char_length(label) BETWEEN 1 AND 100 AND label = btrim(label) AND label !~ '[,;]'),
  position        integer NOT NULL CHECK (position > 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT custom_field_options_position_key UNIQUE (custom_field_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX custom_field_options_label_key ON custom_field_options (custom_field_id, lower(label));
CREATE TRIGGER custom_field_options_updated_at BEFORE UPDATE ON custom_field_options
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- custom_field_choice_text is labels as a stored value: the options named
-- (exactly), deduplicated, in option order, joined by ', '; NULL when
-- none is left.
-- +goose StatementBegin
CREATE FUNCTION custom_field_choice_text(field uuid, labels text[]) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT string_agg(o.label, ', ' ORDER BY o.position)
    FROM custom_field_options o
   WHERE o.custom_field_id = field AND o.label = ANY (labels)
$$;
-- +goose StatementEnd

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

-- Renaming an option renames it in every value, in the same statement.
-- +goose StatementBegin
CREATE FUNCTION custom_field_options_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE custom_field_values
     SET value = array_to_string(array_replace(string_to_array(value, ', '), OLD.label, NEW.label), ', ')
   WHERE custom_field_id = NEW.custom_field_id AND OLD.label = ANY (string_to_array(value, ', '));
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_field_options_renamed AFTER UPDATE OF label ON custom_field_options
  FOR EACH ROW WHEN (OLD.label IS DISTINCT FROM NEW.label) EXECUTE FUNCTION custom_field_options_renamed();

-- An option in use stays until its values are moved or cleared (deleting
-- the whole field deletes values and options together).
-- +goose StatementBegin
CREATE FUNCTION custom_field_options_in_use() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM custom_fields WHERE id = OLD.custom_field_id)
     AND EXISTS (SELECT 1 FROM custom_field_values
                  WHERE custom_field_id = OLD.custom_field_id AND OLD.label = ANY (string_to_array(value, ', '))) THEN
    RAISE EXCEPTION 'option % is in use', OLD.label
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'custom_field_options_in_use';
  END IF;
  RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER custom_field_options_in_use BEFORE DELETE ON custom_field_options
  FOR EACH ROW EXECUTE FUNCTION custom_field_options_in_use();

SELECT audit_attach('custom_field_options', '-');

-- +goose Down
SELECT audit_detach('custom_field_options');
DROP TABLE custom_field_options;
DROP FUNCTION custom_field_options_in_use();
DROP FUNCTION custom_field_options_renamed();
DROP TRIGGER custom_field_values_option ON custom_field_values;
DROP FUNCTION custom_field_values_option();
DROP FUNCTION custom_field_choice_text(uuid, text[]);
DROP TRIGGER custom_fields_next_position ON custom_fields;
DROP FUNCTION custom_fields_next_position();
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_position_key;
DELETE FROM custom_field_values v USING custom_fields f
 WHERE f.id = v.custom_field_id AND f.value_type IN ('choice', 'multichoice');
DELETE FROM custom_fields WHERE value_type IN ('choice', 'multichoice');
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_value_type_check;
ALTER TABLE custom_fields ADD CONSTRAINT custom_fields_value_type_check
  CHECK (value_type IN ('string', 'integer', 'boolean', 'date', 'email'));
