package web

import (
	"context"
	"net/http"
	"strconv"

	"mila/internal/mail"
)

// mailDeps are the mail stores the handlers use.
type mailDeps struct {
	outbox   *mail.Outbox
	mailings *mail.Mailings
}

func (a *App) initMail() {
	a.mail.outbox = mail.NewOutbox(a.db)
	a.mail.mailings = mail.NewMailings(a.db, a.cfg.Mail)
}

// mailEnabled reports whether an SMTP server is set up.
func (a *App) mailEnabled() bool { return a.cfg.Mail.Enabled() }

// accountMail is a message about a user's account, in one language.
type accountMail struct {
	Lang      string
	To        string
	SubjectID string
	BodyID    string
	Data      []any // the messages' template data pairs
}

// queueAccountMail puts an account message in the outbox and reports
// whether it will be sent. Without SMTP it is kept as a would-be message
// (cancelled, never sent later) for /admin/outbox, and the caller shows
// its fallback.
func (a *App) queueAccountMail(ctx context.Context, m accountMail) (bool, error) {
	out := mail.Outgoing{
		Kind:    mail.KindAccount,
		To:      m.To,
		Subject: a.i18n.t(m.Lang, m.SubjectID, m.Data...),
		Text:    a.i18n.t(m.Lang, m.BodyID, m.Data...) + "\n\n-- \n" + a.i18n.t(m.Lang, "MailFooterAccount"),
	}
	if !a.mailEnabled() {
		out.NotSent = "not sent: mail is not set up (MILA_SMTP_URL)"
	}
	if _, err := mail.Enqueue(ctx, a.db, out); err != nil {
		return false, err
	}
	return a.mailEnabled(), nil
}

// outboxPage is what outboxListView shows.
type outboxPage struct {
	mail.OutboxPage
	Enabled bool
	Server  string // the SMTP URL without its password
}

// outboxList shows every outgoing message (admin).
func (a *App) outboxList(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p, err := a.mail.outbox.List(r.Context(), actorFrom(r), page)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(outboxListView, outboxPage{OutboxPage: p, Enabled: a.mailEnabled(), Server: a.cfg.Mail.Redacted()}))
}

func mailItoa(n int) string { return strconv.Itoa(n) }

// mailStateID and mailKindID are the message ids of a state and a kind
// (locales/mail.*.json: MailState_<state>, MailKind_<kind>).
func mailStateID(state string) string { return "MailState_" + state }
func mailKindID(kind string) string   { return "MailKind_" + kind }

// mailingStateID and skippedReasonID name a mailing's state and why a
// member was skipped.
func mailingStateID(state string) string   { return "MailingState_" + state }
func skippedReasonID(reason string) string { return "MailingSkipped_" + reason }

// roleMailingsSave gives or takes "may send mailings" (admin; system
// roles too).
func (a *App) roleMailingsSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor, id := actorFrom(r), r.PathValue("id")
	v := r.PostForm.Get("may_send_mailings")
	if v != "true" && v != "false" {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	if err := a.accounts.SetRoleMailings(r.Context(), actor, id, v == "true"); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	role, err := a.accounts.GetRole(r.Context(), actor, id)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "RoleMailingsSaved", "Name", a.roleView(r, role).DisplayName)
	http.Redirect(w, r, "/admin/roles", http.StatusSeeOther)
}
