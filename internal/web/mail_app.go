package web

import (
	"context"
	"net/http"
	"strconv"

	"mila/internal/accounts"
	"mila/internal/mail"
	"mila/internal/pg"
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

// accountMail is a message about a user's account, in the recipient's
// language (mailLang).
type accountMail struct {
	To        string
	User      string // the recipient user's current sign-in email, when it is not To (a notice to the old address)
	SubjectID string
	BodyID    string
	Data      []any // the messages' template data pairs
}

// queueAccountMail puts an account message in the outbox and reports
// whether it will be sent. Without SMTP it is kept as a would-be message
// (cancelled, never sent later) for /admin/outbox, and the caller shows
// its fallback.
func (a *App) queueAccountMail(ctx context.Context, m accountMail) (bool, error) {
	lang := a.mailLang(ctx, m.To, m.User)
	out := mail.Outgoing{
		Kind:    mail.KindAccount,
		To:      m.To,
		Subject: a.i18n.t(lang, m.SubjectID, m.Data...),
		Text:    a.i18n.t(lang, m.BodyID, m.Data...) + "\n\n-- \n" + a.i18n.t(lang, "MailFooterAccount"),
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

// mailLang is the language of account mail to a user (found by any of
// addresses): the language they last signed in with, else the club's
// default language — not the
// language of whoever caused the mail (an admin inviting, a stranger
// asking for a reset).
func (a *App) mailLang(ctx context.Context, addresses ...string) string {
	var lang string
	err := a.db.QueryRow(ctx, `SELECT lang FROM users WHERE email = ANY ($1::text[]) AND lang IS NOT NULL LIMIT 1`, addresses).Scan(&lang)
	if err == nil && isLang(lang) {
		return lang
	}
	return a.club.get(ctx).DefaultLang
}

// rememberLang keeps the language a user signs in with (the one they
// chose with the language switch), for the account mail they get later.
func (a *App) rememberLang(r *http.Request, u accounts.User) {
	c, err := r.Cookie(langCookie)
	if err != nil || !isLang(c.Value) {
		return
	}
	ctx := pg.WithActor(r.Context(), pg.Actor{UserID: u.ID, Label: pg.UserLabel(u.Name, u.Email)})
	if _, err := pg.Exec(ctx, a.db, `UPDATE users SET lang = $2 WHERE id = $1 AND lang IS DISTINCT FROM $2`, u.ID, c.Value); err != nil {
		a.log.Error("remember language", "err", err, "request_id", requestID(r))
	}
}
