-- Indexes for the home dashboard (membership.Dashboard, Birthdays,
-- Jubilees), so that none of its numbers and lists reads every member row
-- or every birth date on each visit:
--
--   * members (join_date): "joined this year" is a range of it, and a
--     membership anniversary of n years in a span of days is the range of
--     join dates n years earlier;
--   * members (exit_date, sort_name, id) WHERE exit_date IS NOT NULL:
--     "leaving soon" is the first few rows of it after today — only the
--     members with an exit date are in it (clubs where everyone leaves
--     on 31 December have hundreds on one day, sorted by name);
--   * members (exit_date) WHERE email IS NULL: "active members without an
--     email address" is an index-only count of the few rows without one;
--   * custom_field_values (field, 'MM-DD' of a date value): the birthdays
--     of a span of days are the values of the birth date field whose month
--     and day fall in it. Date values are stored as text, canonical
--     YYYY-MM-DD (membership.CustomField.parse), so right(value, 5) is the
--     month and day; text → date casts are not immutable, and only values
--     shaped like a date are indexed (the predicate). member_id and value
--     are included, so the lookup does not visit the table.
--
-- The counts of active and former members read members_exit_date_idx
-- (index-only), the recently changed members members_updated_at_idx.

-- +goose Up
CREATE INDEX members_join_date_idx ON members (join_date);
CREATE INDEX members_leaving_idx ON members (exit_date, sort_name, id) WHERE exit_date IS NOT NULL;
CREATE INDEX members_no_email_idx ON members (exit_date) WHERE email IS NULL;
CREATE INDEX custom_field_values_month_day_idx ON custom_field_values (custom_field_id, right(value, 5)) INCLUDE (member_id, value)
  WHERE value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

-- +goose Down
DROP INDEX custom_field_values_month_day_idx;
DROP INDEX members_no_email_idx;
DROP INDEX members_leaving_idx;
DROP INDEX members_join_date_idx;
