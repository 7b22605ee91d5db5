-- History (issue 14): a member's periods in the club, dated group
-- memberships with a role, exit reasons, group roles, and the birth-date
-- flag on custom fields.
--
-- Reviewed by hand. What stays, and how it is kept:
--
-- members.join_date / members.exit_date STAY. They are the first period's
--   start and the last period's end (NULL while the last period is open).
--   Both directions are kept by triggers, so the member form, the importer,
--   its undo and the overview's status filter (exit_date, and its copy in
--   member_group_keys) work unchanged:
--     * a new member gets one period [join_date, exit_date);
--     * writing members.join_date moves the first period's start, writing
--       members.exit_date the last period's end (a member with one period:
--       both at once) — members_sync_periods;
--     * writing member_periods recomputes join_date/exit_date and bumps
--       members.version, so an edit form open meanwhile reports a
--       conflict — member_periods_changed. A member always keeps at least
--       one period.
--   A period is [starts_on, ends_on): ends_on is the exit date as Mila has
--   always meant it, the first day no longer a member ("former" from that
--   day on). "Active on D" = some period contains D.
--
-- member_groups STAYS, as the set of memberships current today (one row
--   per member and group, the counters and search keys of 00004–00007
--   hang off it). group_memberships is the history: [valid_from,
--   valid_until) with an optional role. Both directions by triggers:
--     * INSERT into member_groups (bulk add, importer) opens a membership
--       from today (or reopens one that was ended today) —
--       member_groups_history_ins;
--     * DELETE from member_groups (remove, importer undo) ends the open
--       membership today (valid_until = today); one that began today is
--       deleted instead (a mistake undone the same day) —
--       member_groups_history_del;
--     * writes to group_memberships put member_groups in line with
--       "covers today" for the pairs they touched — group_memberships_changed.
--   So that member_groups cannot go stale as days pass, a membership may
--   not start after today or end after today (valid_until <= today,
--   exclusive, i.e. the member's last day is yesterday at the latest):
--   group_memberships_check. Members' periods have no such rule (the
--   overview reads exit_date against today already).
--   Recursion: each sync trigger does nothing when fired by another
--   trigger (pg_trigger_depth() > 1): by the other direction's sync or by
--   a cascade from a deleted member or group.
--
-- Existing data: every member gets one period [join_date, exit_date);
--   every membership one open row from its creation date. Nothing in
--   members or member_groups is written, so down leaves both exactly as
--   they were (internal/membership/history_migration_test.go).
--
-- Overlaps are refused by the database: exclusion constraints on a
-- daterange (btree_gist for the equality parts).

-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE exit_reasons (
  id         uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND btrim(name) <> ''),
  position   integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX exit_reasons_name_key ON exit_reasons (lower(name));
CREATE TRIGGER exit_reasons_updated_at BEFORE UPDATE ON exit_reasons
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE member_periods (
  id                      uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  member_id               uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  starts_on               date NOT NULL CHECK (starts_on BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  ends_on                 date CHECK (ends_on BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  -- a reason in use cannot be deleted (NO ACTION)
  exit_reason_id          uuid REFERENCES exit_reasons (id),
  resignation_received_on date CHECK (resignation_received_on BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  -- empty when the dates are the wrong way round, so that the CHECK below
  -- (with its name) refuses the row rather than daterange() erroring
  span                    daterange GENERATED ALWAYS AS (CASE WHEN ends_on < starts_on THEN 'empty'::daterange
                                                         ELSE daterange(starts_on, ends_on, '[)') END) STORED,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT member_periods_end_after_start CHECK (ends_on IS NULL OR ends_on >= starts_on),
  CONSTRAINT member_periods_no_overlap EXCLUDE USING gist (member_id WITH =, span WITH &&)
);
CREATE INDEX member_periods_member_idx ON member_periods (member_id, starts_on) INCLUDE (ends_on);
CREATE INDEX member_periods_span_idx ON member_periods USING gist (span);
CREATE INDEX member_periods_exit_reason_idx ON member_periods (exit_reason_id) WHERE exit_reason_id IS NOT NULL;
CREATE TRIGGER member_periods_updated_at BEFORE UPDATE ON member_periods
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Roles in groups: group_id NULL is the club-wide default list, offered
-- in every group; otherwise the group's own. leads: the role leads the
-- group (no rights come with it yet).
CREATE TABLE group_roles (
  id         uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  group_id   uuid REFERENCES groups (id) ON DELETE CASCADE,
  name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND btrim(name) <> ''),
  leads      boolean NOT NULL DEFAULT false,
  position   integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX group_roles_name_key ON group_roles (group_id, lower(name)) NULLS NOT DISTINCT;
CREATE TRIGGER group_roles_updated_at BEFORE UPDATE ON group_roles
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE group_memberships (
  id          uuid PRIMARY KEY DEFAULT uuid_generate_v7(),
  member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  -- a role in use cannot be deleted (NO ACTION: checked after a group's
  -- cascade has removed its memberships and roles together)
  role_id     uuid REFERENCES group_roles (id),
  valid_from  date NOT NULL DEFAULT current_date CHECK (valid_from BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  valid_until date CHECK (valid_until BETWEEN DATE '1800-01-01' AND DATE '2999-12-31'),
  span        daterange GENERATED ALWAYS AS (CASE WHEN valid_until < valid_from THEN 'empty'::daterange
                                             ELSE daterange(valid_from, valid_until, '[)') END) STORED,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT group_memberships_until_after_from CHECK (valid_until IS NULL OR valid_until > valid_from),
  CONSTRAINT group_memberships_no_overlap EXCLUDE USING gist (member_id WITH =, group_id WITH =, span WITH &&)
);
CREATE INDEX group_memberships_group_idx ON group_memberships (group_id, valid_from, member_id) INCLUDE (valid_until, role_id);
CREATE INDEX group_memberships_member_idx ON group_memberships (member_id, valid_from) INCLUDE (group_id, valid_until, role_id);
CREATE INDEX group_memberships_role_idx ON group_memberships (role_id) WHERE role_id IS NOT NULL;
CREATE TRIGGER group_memberships_updated_at BEFORE UPDATE ON group_memberships
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The birth-date field (statistics by age) is custom_fields.birth_date
-- (migration 00014: at most one, only a date field).

-- Existing values, before any trigger exists (so members and member_groups
-- are not written).
INSERT INTO member_periods (member_id, starts_on, ends_on)
SELECT id, join_date, exit_date FROM members ORDER BY id;
INSERT INTO group_memberships (member_id, group_id, valid_from, created_at, updated_at)
SELECT member_id, group_id, least(created_at::date, current_date), created_at, created_at
  FROM member_groups ORDER BY created_at, id;

-- members → periods
-- +goose StatementBegin
CREATE FUNCTION members_add_periods() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO member_periods (member_id, starts_on, ends_on)
  SELECT n.id, n.join_date, n.exit_date FROM new_rows n;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_periods_ins AFTER INSERT ON members
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_add_periods();

-- +goose StatementBegin
CREATE FUNCTION members_sync_periods() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  first_id uuid;
  last_id  uuid;
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- written by member_periods_changed
  END IF;
  SELECT (array_agg(id ORDER BY starts_on))[1], (array_agg(id ORDER BY starts_on DESC))[1]
    INTO first_id, last_id
    FROM member_periods WHERE member_id = NEW.id;
  IF first_id IS NULL THEN
    INSERT INTO member_periods (member_id, starts_on, ends_on) VALUES (NEW.id, NEW.join_date, NEW.exit_date);
  ELSIF first_id = last_id THEN
    UPDATE member_periods
       SET starts_on = NEW.join_date, ends_on = NEW.exit_date,
           exit_reason_id = CASE WHEN NEW.exit_date IS NULL THEN NULL ELSE exit_reason_id END
     WHERE id = first_id AND (starts_on, ends_on) IS DISTINCT FROM (NEW.join_date, NEW.exit_date);
  ELSE
    IF NEW.join_date IS DISTINCT FROM OLD.join_date THEN
      UPDATE member_periods SET starts_on = NEW.join_date WHERE id = first_id;
    END IF;
    IF NEW.exit_date IS DISTINCT FROM OLD.exit_date THEN
      UPDATE member_periods
         SET ends_on = NEW.exit_date,
             exit_reason_id = CASE WHEN NEW.exit_date IS NULL THEN NULL ELSE exit_reason_id END
       WHERE id = last_id;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_periods_upd AFTER UPDATE OF join_date, exit_date ON members
  FOR EACH ROW WHEN ((OLD.join_date, OLD.exit_date) IS DISTINCT FROM (NEW.join_date, NEW.exit_date))
  EXECUTE FUNCTION members_sync_periods();

-- periods → members
-- +goose StatementBegin
CREATE FUNCTION member_periods_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mids uuid[];
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- written by members_sync_periods, or a member's delete cascading
  END IF;
  IF TG_OP = 'INSERT' THEN
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
  IF EXISTS (SELECT 1 FROM members m WHERE m.id = ANY (mids)
               AND NOT EXISTS (SELECT 1 FROM member_periods p WHERE p.member_id = m.id)) THEN
    RAISE EXCEPTION 'a member has at least one period in the club'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'member_periods_at_least_one';
  END IF;
  PERFORM 1 FROM members WHERE id = ANY (mids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE members m
     SET join_date = d.first_start, exit_date = d.last_end, version = m.version + 1
    FROM (SELECT p.member_id, min(p.starts_on) AS first_start,
                 (array_agg(p.ends_on ORDER BY p.starts_on DESC))[1] AS last_end
            FROM member_periods p WHERE p.member_id = ANY (mids)
           GROUP BY p.member_id) d
   WHERE m.id = d.member_id
     AND (m.join_date, m.exit_date) IS DISTINCT FROM (d.first_start, d.last_end);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER member_periods_changed_ins AFTER INSERT ON member_periods
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_periods_changed();
CREATE TRIGGER member_periods_changed_upd AFTER UPDATE ON member_periods
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_periods_changed();
CREATE TRIGGER member_periods_changed_del AFTER DELETE ON member_periods
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION member_periods_changed();

-- A membership neither starts nor ends after today, and its role is a
-- default role or one of its group's.
-- +goose StatementBegin
CREATE FUNCTION group_memberships_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR (NEW.valid_from, NEW.valid_until) IS DISTINCT FROM (OLD.valid_from, OLD.valid_until) THEN
    IF NEW.valid_from > current_date OR NEW.valid_until > current_date THEN
      RAISE EXCEPTION 'a group membership cannot start or end after today'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'group_memberships_not_future';
    END IF;
  END IF;
  IF NEW.role_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.role_id IS DISTINCT FROM OLD.role_id) THEN
    IF NOT EXISTS (SELECT 1 FROM group_roles r WHERE r.id = NEW.role_id
                     AND (r.group_id IS NULL OR r.group_id = NEW.group_id)) THEN
      RAISE EXCEPTION 'the role belongs to another group'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'group_memberships_role_of_group';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.member_id, NEW.group_id) IS DISTINCT FROM (OLD.member_id, OLD.group_id) THEN
    RAISE EXCEPTION 'a membership cannot be moved to another member or group'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'group_memberships_no_move';
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER group_memberships_check BEFORE INSERT OR UPDATE ON group_memberships
  FOR EACH ROW EXECUTE FUNCTION group_memberships_check();

-- history → current (member_groups)
-- +goose StatementBegin
CREATE FUNCTION group_memberships_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ms uuid[];
  gs uuid[];
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- written by the member_groups triggers, or a cascade
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(member_id), array_agg(group_id) INTO ms, gs
      FROM (SELECT DISTINCT member_id, group_id FROM new_rows) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(member_id), array_agg(group_id) INTO ms, gs
      FROM (SELECT DISTINCT member_id, group_id FROM old_rows) s;
  ELSE
    SELECT array_agg(member_id), array_agg(group_id) INTO ms, gs
      FROM (SELECT member_id, group_id FROM new_rows UNION SELECT member_id, group_id FROM old_rows) s;
  END IF;
  IF ms IS NULL THEN
    RETURN NULL;
  END IF;
  -- the lock order of every membership writer: groups, then members
  PERFORM 1 FROM groups WHERE id = ANY (gs) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM member_groups mg
   USING unnest(ms, gs) AS p (member_id, group_id)
   WHERE mg.member_id = p.member_id AND mg.group_id = p.group_id
     AND NOT EXISTS (SELECT 1 FROM group_memberships h
                      WHERE h.member_id = p.member_id AND h.group_id = p.group_id AND h.span @> current_date);
  INSERT INTO member_groups (member_id, group_id)
  SELECT p.member_id, p.group_id FROM unnest(ms, gs) AS p (member_id, group_id)
   WHERE EXISTS (SELECT 1 FROM group_memberships h
                  WHERE h.member_id = p.member_id AND h.group_id = p.group_id AND h.span @> current_date)
     AND EXISTS (SELECT 1 FROM members m WHERE m.id = p.member_id)
   ORDER BY p.group_id, p.member_id
  ON CONFLICT (member_id, group_id) DO NOTHING;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER group_memberships_changed_ins AFTER INSERT ON group_memberships
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION group_memberships_changed();
CREATE TRIGGER group_memberships_changed_upd AFTER UPDATE ON group_memberships
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION group_memberships_changed();
CREATE TRIGGER group_memberships_changed_del AFTER DELETE ON group_memberships
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION group_memberships_changed();

-- current (member_groups) → history
-- +goose StatementBegin
CREATE FUNCTION member_groups_history_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  -- re-added the day it was ended: the membership goes on
  UPDATE group_memberships h SET valid_until = NULL
    FROM new_rows n
   WHERE h.member_id = n.member_id AND h.group_id = n.group_id AND h.valid_until = current_date;
  INSERT INTO group_memberships (member_id, group_id, valid_from)
  SELECT n.member_id, n.group_id, current_date FROM new_rows n
   WHERE NOT EXISTS (SELECT 1 FROM group_memberships h
                      WHERE h.member_id = n.member_id AND h.group_id = n.group_id AND h.span @> current_date);
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER member_groups_history_ins AFTER INSERT ON member_groups
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION member_groups_history_ins();

-- +goose StatementBegin
CREATE FUNCTION member_groups_history_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL; -- a member or group deleted: its history goes by cascade
  END IF;
  DELETE FROM group_memberships h USING old_rows o
   WHERE h.member_id = o.member_id AND h.group_id = o.group_id
     AND h.span @> current_date AND h.valid_from = current_date;
  UPDATE group_memberships h SET valid_until = current_date
    FROM old_rows o
   WHERE h.member_id = o.member_id AND h.group_id = o.group_id AND h.span @> current_date;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER member_groups_history_del AFTER DELETE ON member_groups
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION member_groups_history_del();

ANALYZE member_periods, group_memberships;

-- +goose Down
DROP TRIGGER member_groups_history_del ON member_groups;
DROP FUNCTION member_groups_history_del();
DROP TRIGGER member_groups_history_ins ON member_groups;
DROP FUNCTION member_groups_history_ins();
DROP TRIGGER members_periods_upd ON members;
DROP FUNCTION members_sync_periods();
DROP TRIGGER members_periods_ins ON members;
DROP FUNCTION members_add_periods();
DROP TABLE group_memberships;
DROP FUNCTION group_memberships_changed();
DROP FUNCTION group_memberships_check();
DROP TABLE group_roles;
DROP TABLE member_periods;
DROP FUNCTION member_periods_changed();
DROP TABLE exit_reasons;
DROP EXTENSION IF EXISTS btree_gist;
