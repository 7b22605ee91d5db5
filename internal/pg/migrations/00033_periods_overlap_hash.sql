-- The exclusion constraint against overlapping periods of a member leads
-- with a 64-bit hash of the member id, as group_memberships' does since
-- 00029: btree_gist places a uuid by its first eight bytes read as a
-- double, which cannot tell apart ids made in the same millisecond (or
-- the demo's), so the index grew without order and every lookup "this
-- member's period on a day" that the planner sent to it read hundreds of
-- its pages (the as-of overview and group pages, 100–900 ms at 100,000
-- members). Same name and rule: the member equal (as its 16 bytes), the
-- spans overlapping. Lookups by member now go to member_periods_member_idx
-- (B-tree on member_id, starts_on), which this index no longer competes
-- with.

-- +goose Up
ALTER TABLE member_periods DROP CONSTRAINT member_periods_no_overlap,
  ADD CONSTRAINT member_periods_no_overlap EXCLUDE USING gist (
    uuid_hash_extended(member_id, 0) WITH =,
    uuid_send(member_id) WITH =,
    span WITH &&);

-- +goose Down
ALTER TABLE member_periods DROP CONSTRAINT member_periods_no_overlap,
  ADD CONSTRAINT member_periods_no_overlap EXCLUDE USING gist (member_id WITH =, span WITH &&);
