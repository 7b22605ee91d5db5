-- Saved lists (issue 15): a view of the member overview kept under a
-- name — its search, status, group filter, sort and page size, not its
-- rows, so the list stays live. A list belongs to the user who saved it;
-- shared, everyone who may read members sees it too. Names are unique
-- per owner, whatever their case. A deleted owner takes their lists along.
--
-- Birthday lists: a date custom field can be marked as the members'
-- birth date — at most one field (a unique index on a constant over the
-- marked rows), and only a date field (a check).

-- +goose Up
CREATE TABLE saved_lists (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    shared boolean NOT NULL DEFAULT false,
    q text NOT NULL DEFAULT '' CHECK (char_length(q) <= 1000),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'former', 'all')),
    group_slug text NOT NULL DEFAULT '' CHECK (char_length(group_slug) <= 200),
    sort text NOT NULL DEFAULT '' CHECK (char_length(sort) <= 200),
    dir text NOT NULL DEFAULT '' CHECK (dir IN ('', 'asc', 'desc')),
    per_page integer NOT NULL DEFAULT 0 CHECK (per_page BETWEEN 0 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_lists_owner_name_key ON saved_lists (owner_id, lower(name));
CREATE INDEX saved_lists_shared_idx ON saved_lists (lower(name)) WHERE shared;

ALTER TABLE custom_fields ADD COLUMN birth_date boolean NOT NULL DEFAULT false;
ALTER TABLE custom_fields ADD CONSTRAINT custom_fields_birth_date_type CHECK (NOT birth_date OR value_type = 'date');
CREATE UNIQUE INDEX custom_fields_one_birth_date ON custom_fields ((true)) WHERE birth_date;

-- +goose Down
DROP INDEX custom_fields_one_birth_date;
ALTER TABLE custom_fields DROP CONSTRAINT custom_fields_birth_date_type;
ALTER TABLE custom_fields DROP COLUMN birth_date;
DROP TABLE saved_lists;
