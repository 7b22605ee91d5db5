// Package audit reads and verifies the audit trail. The trail itself is
// written by database triggers (migration 00016: audit_record, attached
// to a table with `SELECT audit_attach('table')`), so no Go code path can
// forget it; this package reads it, links it into its hash chain after
// commit (Chain, RunChainer; migration 00028), checks the chain (Verify),
// and classifies every table as audited or deliberately not.
package audit

// Audited lists the tables under audit (migration 00016 attaches them).
// Excluded lists every other table, with the reason. A test fails for a
// table in neither list, so a new table must be classified: attach the
// audit trigger in its migration (`SELECT audit_attach('t')`) and add it
// here, or add it to Excluded with a reason.
var Audited = []string{
	"members", "custom_fields", "custom_field_values", "groups", "member_groups",
	"users", "roles", "import_batches", "import_mappings", "settings", "club_settings",
	"mailings", "member_mail_optouts",
	"member_periods", "group_memberships", "group_roles", "exit_reasons",
	"custom_field_options",
}

// Excluded are the tables deliberately not audited.
var Excluded = map[string]string{
	"goose_db_version":          "migration bookkeeping",
	"sessions":                  "sign-in sessions (tokens); sign-in and sign-out change no club data",
	"sign_in_failures":          "throttle counter of failed sign-ins",
	"user_tokens":               "hashes of one-time links (secrets); their use shows as a change of users",
	"member_group_keys":         "derived from members and member_groups by triggers (a cache)",
	"search_words":              "derived word list for typo search (a cache)",
	"search_word_variants":      "derived deletion variants of search_words for typo search (a cache)",
	"member_email_refusals":     "log of refused email changes (bookkeeping)",
	"import_rows":               "dry-run staging of an uploaded file; what a commit changes is audited in members etc.",
	"import_progress":           "progress counter of a running import",
	"import_batch_members":      "undo bookkeeping of an import; the changes themselves are audited",
	"import_batch_memberships":  "undo bookkeeping of an import; the changes themselves are audited",
	"import_batch_groups":       "undo bookkeeping of an import; the changes themselves are audited",
	"audit_log":                 "the audit trail itself (append-only)",
	"import_uploads":            "uploaded files kept for a day between the import's steps; the import's batch is audited",
	"mail_outbox":               "the delivery queue: each message's state and server answer are its own log; the mailing is audited",
	"mailing_attachments":       "files of a mailing (bytes); the mailing is audited",
	"mailing_draft_attachments": "files uploaded on a mailing form not yet sent; sending moves them to the audited mailing",
	"mailing_skipped":           "bookkeeping of a mailing's recipients without address or opted out",
	"mail_keys":                 "the secret key of the opt-out links",
	"password_reset_requests":   "throttle counter of password reset requests",
	"saved_lists":               "a user's saved views of the overview (filters and columns), no member data",
	"audit_head":                "the head of the audit hash chain (kept by the chainer)",
	"audit_chain":               "the hash chain over audit_log, built by the chainer after commit",
	"member_list_columns":       "a user's chosen overview columns (a display preference), no member data",
}
