-- +goose Up
-- A member's periods, dated group memberships, group roles and exit
-- reasons (migration 00017) are under the audit trail (00016) like the
-- rest of the register. They were built beside the audit trail, so they
-- are attached here.
SELECT audit_attach('member_periods');
SELECT audit_attach('group_memberships');
SELECT audit_attach('group_roles', '-');
SELECT audit_attach('exit_reasons', '-');

-- +goose Down
SELECT audit_detach('exit_reasons');
SELECT audit_detach('group_roles');
SELECT audit_detach('group_memberships');
SELECT audit_detach('member_periods');
