package web

import (
	"errors"
	"net/http"
	"time"

	"mila/internal/accounts"
)

// forgotPage is what forgotView shows.
type forgotPage struct {
	Enabled bool // mail is set up
	Sent    bool // a request was made (whatever the address)
	// Throttled: too many requests from this client.
	Throttled bool
	Form      *Form
}

// forgotFloor is the least time a reset request takes to answer, so that
// an address with a user (token, message) and one without answer alike.
const forgotFloor = 400 * time.Millisecond

// forgotShow asks for the address.
func (a *App) forgotShow(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, pageView(forgotView, forgotPage{Enabled: a.mailEnabled(), Form: newForm(nil)}))
}

// forgotSend sends a reset link when the address belongs to an active
// user, and answers the same either way, in about the same time.
func (a *App) forgotSend(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	if !a.mailEnabled() {
		a.render(w, r, http.StatusConflict, pageView(forgotView, forgotPage{Form: f}))
		return
	}
	f.Required("email", "AuthFieldEmail")
	if !f.Valid() {
		a.render(w, r, http.StatusUnprocessableEntity, pageView(forgotView, forgotPage{Enabled: true, Form: f}))
		return
	}
	req, err := a.accounts.RequestPasswordReset(r.Context(), f.Get("email"), a.clientAddr(r))
	if err == nil && req.Token != "" {
		_, err = a.queueAccountMail(r.Context(), accountMail{
			To: req.Email, SubjectID: "MailResetSubject", BodyID: "MailResetBody",
			Data: []any{"Link", a.absURL(r, "/reset-password?token="+req.Token), "Minutes", 60},
		})
	}
	// Pad to the floor before any answer, so timing tells nothing.
	if d := forgotFloor - time.Since(start); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case errors.Is(err, accounts.ErrResetClientThrottled):
		// Told on the page, not as a flash: an anonymous visitor gets no
		// session for it.
		a.render(w, r, http.StatusTooManyRequests, pageView(forgotView, forgotPage{Enabled: true, Throttled: true, Form: f}))
		return
	case addDomainErrors(f, err, map[string]string{"email": "AuthFieldEmail"}):
		a.render(w, r, http.StatusUnprocessableEntity, pageView(forgotView, forgotPage{Enabled: true, Form: f}))
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(forgotView, forgotPage{Enabled: true, Sent: true, Form: newForm(nil)}))
}

// resetPage is what resetView shows.
type resetPage struct {
	Token string
	Email string
	Form  *Form
}

// resetShow shows the form behind a live reset link.
func (a *App) resetShow(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	email, err := a.accounts.CheckResetToken(r.Context(), tok)
	if !a.checkLink(w, r, err) {
		return
	}
	a.render(w, r, http.StatusOK, pageView(resetView, resetPage{Token: tok, Email: email, Form: newForm(nil)}))
}

// resetSave sets the new password (the link dies, every session of the
// user ends) and sends the user to sign in.
func (a *App) resetSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	email, err := a.accounts.CheckResetToken(r.Context(), tok)
	if !a.checkLink(w, r, err) {
		return
	}
	f := newForm(r.PostForm)
	checkConfirm(f, "password", "password_confirm", setupLabels["password_confirm"])
	if f.Valid() {
		_, err = a.accounts.ResetPassword(r.Context(), tok, r.PostForm.Get("password"))
		if err == nil {
			a.flashSuccess(r, "AuthPasswordSet")
			http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
			return
		}
		if !addDomainErrors(f, err, setupLabels) {
			a.checkLink(w, r, err)
			return
		}
	}
	forgetPasswords(f, "password", "password_confirm")
	a.render(w, r, http.StatusUnprocessableEntity, pageView(resetView, resetPage{Token: tok, Email: email, Form: f}))
}
