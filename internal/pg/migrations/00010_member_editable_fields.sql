-- Which custom data fields a member may change in their own record.
--
-- A user who sees only their own member record (own_data) may change
-- their contact data there; join and exit date and notes are the club's,
-- and of the custom fields only those marked here (off by default: the
-- club decides per field, on the field's form). Until now they could
-- change every field of their record (docs/SECURITY.md, "Authorization").

-- +goose Up
ALTER TABLE custom_fields ADD COLUMN member_editable boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE custom_fields DROP COLUMN member_editable;
