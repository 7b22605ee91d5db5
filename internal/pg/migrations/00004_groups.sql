-- Groups: teams, committees, departments. Members belong to any number of
-- groups; a group holds any number of members (member_groups).
--
-- Reviewed by hand against the groups architecture document:
--   groups.name     required, at most 100 characters, unique ignoring case
--                   (unique index on lower(name));
--   groups.slug     required, at most 100 characters, unique (case-sensitive),
--                   made from the name once and never changed;
--   groups.description optional (empty string), at most 500 characters;
--   member_groups   cascades from both sides: deleting a member or a group
--                   removes the memberships, never the other side; one
--                   membership per (member, group); indexes for
--                   member → groups (the unique index leads with member_id)
--                   and group → members (group_id, member_id).
--
-- Denormalised, trigger-maintained keys keep the member overview fast at
-- 100,000 members without N+1 queries:
--   groups.member_count        number of members in the group;
--   members.group_count        number of groups of the member;
--   members.first_group_key    search_key of the alphabetically first group
--                              name (NULL without groups), for sort=groups;
--   members.group_names        the group names, part of the search vector
--                              (weight B) and of the trigram text.
-- All are updated in the same transaction as the change that causes them.

-- +goose Up
CREATE TABLE groups (
  id           uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND btrim(name) <> ''),
  slug         text NOT NULL CHECK (char_length(slug) BETWEEN 1 AND 100 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  description  text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  member_count integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT groups_slug_key UNIQUE (slug)
);
CREATE UNIQUE INDEX groups_name_lower_key ON groups (lower(name));
CREATE TRIGGER groups_updated_at BEFORE UPDATE OF name, description ON groups
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE member_groups (
  id         uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  member_id  uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  group_id   uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT member_groups_member_group_key UNIQUE (member_id, group_id)
);
CREATE INDEX member_groups_group_member_idx ON member_groups (group_id, member_id);
CREATE TRIGGER member_groups_updated_at BEFORE UPDATE ON member_groups
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A membership is added or removed, never moved: the counters above are
-- kept by INSERT and DELETE triggers, so moving one would corrupt them.
-- +goose StatementBegin
CREATE FUNCTION member_groups_no_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a membership cannot be moved to another member or group; delete it and add a new one'
    USING ERRCODE = 'check_violation';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER member_groups_no_move BEFORE UPDATE OF member_id, group_id ON member_groups
  FOR EACH ROW WHEN (OLD.member_id IS DISTINCT FROM NEW.member_id OR OLD.group_id IS DISTINCT FROM NEW.group_id)
  EXECUTE FUNCTION member_groups_no_move();

ALTER TABLE members
  ADD COLUMN group_names text NOT NULL DEFAULT '',
  ADD COLUMN group_count integer NOT NULL DEFAULT 0 CHECK (group_count >= 0),
  ADD COLUMN first_group_key text;

-- The search columns now include the group names: redefine them.
DROP INDEX members_search_vector_idx;
DROP INDEX members_search_trgm_idx;
ALTER TABLE members DROP COLUMN search_vector, DROP COLUMN search_trgm;
ALTER TABLE members
  ADD COLUMN search_trgm text GENERATED ALWAYS AS (search_key(first_name || ' ' || last_name || ' ' || group_names)) STORED,
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, search_key(first_name || ' ' || last_name)), 'A')
   || setweight(to_tsvector('simple'::regconfig, search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes || ' ' || group_names)), 'B')
   || setweight(to_tsvector('simple'::regconfig, search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text)), 'C')
  ) STORED;
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);
CREATE INDEX members_search_trgm_idx ON members USING gin (search_trgm gin_trgm_ops);
CREATE INDEX members_first_group_key_idx ON members (first_group_key, sort_name, id);
CREATE INDEX members_group_count_idx ON members (group_count DESC, sort_name, id);

-- members_refresh_groups recomputes the group keys of the given members.
-- Callers lock groups before members (always in id order) so that
-- concurrent changes serialise instead of deadlocking; the UPDATE runs in
-- a snapshot taken after the locks and so sees what others committed.
-- +goose StatementBegin
CREATE FUNCTION members_refresh_groups(mids uuid[]) RETURNS void
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

-- member_groups_changed keeps groups.member_count (by increments, which
-- are safe under concurrency) and the members' group keys current after
-- each INSERT or DELETE statement on member_groups, including the deletes
-- cascaded from a member or a group.
-- +goose StatementBegin
CREATE FUNCTION member_groups_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE groups g SET member_count = g.member_count + d.n
      FROM (SELECT group_id, count(*)::integer AS n FROM new_rows GROUP BY group_id ORDER BY group_id) d
     WHERE g.id = d.group_id;
    SELECT array_agg(DISTINCT member_id) INTO mids FROM new_rows;
  ELSE
    UPDATE groups g SET member_count = g.member_count - d.n
      FROM (SELECT group_id, count(*)::integer AS n FROM old_rows GROUP BY group_id ORDER BY group_id) d
     WHERE g.id = d.group_id;
    SELECT array_agg(DISTINCT member_id) INTO mids FROM old_rows;
  END IF;
  IF mids IS NOT NULL THEN
    PERFORM members_refresh_groups(mids);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER member_groups_changed_ins AFTER INSERT ON member_groups
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_groups_changed();
CREATE TRIGGER member_groups_changed_del AFTER DELETE ON member_groups
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION member_groups_changed();

-- A renamed group changes the search text and sort key of its members.
-- +goose StatementBegin
CREATE FUNCTION groups_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
  SELECT array_agg(member_id) INTO mids FROM member_groups WHERE group_id = NEW.id;
  IF mids IS NOT NULL THEN
    PERFORM members_refresh_groups(mids);
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER groups_renamed AFTER UPDATE OF name ON groups
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION groups_renamed();

-- +goose Down
DROP TABLE member_groups;
DROP FUNCTION member_groups_no_move();
DROP TRIGGER groups_renamed ON groups;
DROP FUNCTION groups_renamed();
DROP FUNCTION member_groups_changed();
DROP FUNCTION members_refresh_groups(uuid[]);
DROP TABLE groups;
DROP INDEX members_group_count_idx;
DROP INDEX members_first_group_key_idx;
DROP INDEX members_search_vector_idx;
DROP INDEX members_search_trgm_idx;
ALTER TABLE members DROP COLUMN search_vector, DROP COLUMN search_trgm;
ALTER TABLE members DROP COLUMN group_names, DROP COLUMN group_count, DROP COLUMN first_group_key;
ALTER TABLE members
  ADD COLUMN search_trgm text GENERATED ALWAYS AS (search_key(first_name || ' ' || last_name)) STORED,
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple'::regconfig, search_key(first_name || ' ' || last_name)), 'A')
   || setweight(to_tsvector('simple'::regconfig, search_key(coalesce(email::text, '') || ' ' || regexp_replace(coalesce(email::text, ''), '[@._+-]+', ' ', 'g') || ' ' || notes)), 'B')
   || setweight(to_tsvector('simple'::regconfig, search_key(street || ' ' || house_number || ' ' || postal_code || ' ' || city || ' ' || country || ' ' || cf_text)), 'C')
  ) STORED;
CREATE INDEX members_search_vector_idx ON members USING gin (search_vector);
CREATE INDEX members_search_trgm_idx ON members USING gin (search_trgm gin_trgm_ops);
