package web

import (
	"net/http"
	"strings"

	"mila/internal/accounts"
)

// invitationMail is what became of a set-password link's mail.
type invitationMail int

const (
	invitationNotSetUp invitationMail = iota // mail is not set up: the link page is the only way
	invitationQueued                         // in the outbox, on its way
	invitationFailed                         // could not be queued (logged); the link page still works
)

// mailInvitation sends a user their set-password link by mail, in their
// language (mailLang). The link page stays the fallback either way.
func (a *App) mailInvitation(r *http.Request, u accounts.User, link string) invitationMail {
	sent, err := a.queueAccountMail(r.Context(), accountMail{
		To: u.Email, SubjectID: "MailInviteSubject", BodyID: "MailInviteBody",
		Data: []any{"Link", link, "Email", u.Email, "Days", 7},
	})
	switch {
	case err != nil:
		a.log.Error("queue invitation mail", "err", err, "request_id", requestID(r))
		return invitationFailed
	case !sent:
		return invitationNotSetUp
	}
	return invitationQueued
}

// noticeEmailChanged tells the old address that the sign-in email was
// changed, so a takeover does not go unnoticed. A failure to queue it is
// logged; the change itself stands.
func (a *App) noticeEmailChanged(r *http.Request, oldEmail, newEmail string) {
	if strings.EqualFold(oldEmail, newEmail) {
		return
	}
	if _, err := a.queueAccountMail(r.Context(), accountMail{
		To: oldEmail, User: newEmail, SubjectID: "MailEmailChangedSubject", BodyID: "MailEmailChangedBody",
		Data: []any{"Old", oldEmail, "New", newEmail, "Site", a.absURL(r, "/")},
	}); err != nil {
		a.log.Error("queue email-change notice", "err", err, "request_id", requestID(r))
	}
}
