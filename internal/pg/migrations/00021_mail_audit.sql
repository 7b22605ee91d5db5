-- +goose Up
-- Mailings and newsletter opt-outs are under audit (migration 00016):
-- who wrote to whom, and when a member asked for no more newsletters.
-- Mail came in 00015, before the audit trail existed in 00016.
SELECT audit_attach('mailings', '-');
SELECT audit_attach('member_mail_optouts');

-- +goose Down
SELECT audit_detach('member_mail_optouts');
SELECT audit_detach('mailings');
