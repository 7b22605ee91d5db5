-- A B-tree for "this member in this group" (issue 14, speed of the
-- group page and the "as of" pages).
--
-- The group page lists a group's members by name: it walks the members
-- in name order and looks each one up in the group (member_id, group_id
-- and the day). Until now the planner chose the exclusion constraint's
-- GiST index (group_memberships_no_overlap) for that lookup: it costs a
-- GiST lookup below a B-tree one (no descent charge) and it has both
-- columns. But btree_gist reads a uuid as a double for its penalty, ids
-- made in the same millisecond (an import, the demo) look alike, and the
-- index is not clustered by member: one lookup read about 3,500 pages at
-- 100,000 members, and the group page took 1 s for the largest group.
-- This index answers the lookup from one leaf page, and with the day's
-- bound as a third key column the planner prefers it.

-- +goose Up
CREATE INDEX group_memberships_member_group_idx ON group_memberships
  (member_id, group_id, valid_from) INCLUDE (valid_until, role_id);

-- +goose Down
DROP INDEX group_memberships_member_group_idx;
