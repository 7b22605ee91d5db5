-- Columns of the member overview (issue 15, item 1): each user's chosen
-- columns, in order, and the columns of a saved list. A column is a key
-- (membership.MemberColumn: "email", "member_since", "groups",
-- "cf_<slug>" ...); keys of removed custom fields are dropped when read,
-- so nothing here follows a field's deletion. An empty array means the
-- default columns. A deleted user takes their choice along.

-- +goose Up
CREATE TABLE member_list_columns (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    columns text[] NOT NULL CHECK (cardinality(columns) <= 200),
    updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE saved_lists ADD COLUMN columns text[] NOT NULL DEFAULT '{}' CHECK (cardinality(columns) <= 200);

-- +goose Down
ALTER TABLE saved_lists DROP COLUMN columns;
DROP TABLE member_list_columns;
