package web

import (
	"errors"
	"net/http"

	"mila/internal/accounts"
)

// linkPage is what linkView shows: the forms behind a one-time link (the
// setup link that creates the first admin, and the set-password link of a
// new user).
type linkPage struct {
	Setup bool   // setup link (else set-password link)
	Token string // carried in a hidden field
	Email string // set-password: whose password
	Form  *Form
}

var setupLabels = map[string]string{
	"name":             "UserFieldName",
	"email":            "AuthFieldEmail",
	"password":         "AccFieldNewPassword",
	"password_confirm": "AccFieldNewPasswordConfirm",
}

// setupShow shows the form that creates the first admin, if the setup
// token is live and there are no users yet.
func (a *App) setupShow(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if !a.checkLink(w, r, a.accounts.CheckSetupToken(r.Context(), tok)) {
		return
	}
	a.renderLink(w, r, http.StatusOK, linkPage{Setup: true, Token: tok, Form: newForm(nil)})
}

// setupSave creates the first admin and signs them in; the link dies.
func (a *App) setupSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	// Every mistake at once: the domain's checks of email and password,
	// then the form's own (the confirmation), before anything is written.
	f := newForm(r.PostForm)
	addDomainErrors(f, accounts.CheckSetupInput(f.Get("name"), f.Get("email"), r.PostForm.Get("password")), setupLabels)
	checkConfirm(f, "password", "password_confirm", setupLabels["password_confirm"])
	if !f.Valid() {
		a.renderLink(w, r, http.StatusUnprocessableEntity, linkPage{Setup: true, Token: tok, Form: f})
		return
	}
	u, err := a.accounts.SetupAdmin(r.Context(), tok, f.Get("name"), f.Get("email"), r.PostForm.Get("password"))
	if addDomainErrors(f, err, setupLabels) {
		a.renderLink(w, r, http.StatusUnprocessableEntity, linkPage{Setup: true, Token: tok, Form: f})
		return
	}
	if !a.checkLink(w, r, err) {
		return
	}
	if err := a.startSession(r, u); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.flashSuccess(r, "AuthSetupDone")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// checkLink answers a failed token check and reports whether all is well:
// an installation with users sends setup visitors to sign in; a dead link
// gets a page that says so (404: there is nothing at this address any more).
func (a *App) checkLink(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, accounts.ErrSetupDone):
		// The message needs a session to travel in; a visitor who has
		// none gets no new one for it (anyone can repeat this request).
		if a.sessions.Token(r.Context()) != "" {
			a.flashError(r, "AuthSetupAlreadyDone")
		}
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
	case errors.Is(err, accounts.ErrInvalidToken):
		a.render(w, r, http.StatusNotFound, linkInvalidView)
	default:
		a.serverError(w, r, err)
	}
	return false
}

func (a *App) renderLink(w http.ResponseWriter, r *http.Request, status int, p linkPage) {
	forgetPasswords(p.Form, "password", "password_confirm")
	a.render(w, r, status, pageView(linkView, p))
}

// authSetPasswordShow shows the form behind a new user's set-password link.
func (a *App) authSetPasswordShow(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	email, err := a.accounts.CheckSetPasswordToken(r.Context(), tok)
	if !a.checkLink(w, r, err) {
		return
	}
	a.renderLink(w, r, http.StatusOK, linkPage{Token: tok, Email: email, Form: newForm(nil)})
}

// authSetPasswordSave sets the password and signs the user in (unless an
// admin deactivated them meanwhile); the link dies.
func (a *App) authSetPasswordSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	email, err := a.accounts.CheckSetPasswordToken(r.Context(), tok)
	if !a.checkLink(w, r, err) {
		return
	}
	f := newForm(r.PostForm)
	addDomainErrors(f, accounts.CheckNewPassword(r.PostForm.Get("password")), setupLabels)
	checkConfirm(f, "password", "password_confirm", setupLabels["password_confirm"])
	if f.Valid() {
		var u accounts.User
		u, err = a.accounts.SetPasswordWithToken(r.Context(), tok, r.PostForm.Get("password"))
		if err == nil {
			if !u.Active {
				a.flashSuccess(r, "AuthPasswordSet")
				http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
				return
			}
			if err := a.startSession(r, u); err != nil {
				a.serverError(w, r, err)
				return
			}
			a.flashSuccess(r, "AuthPasswordSet")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if !addDomainErrors(f, err, setupLabels) {
			a.checkLink(w, r, err)
			return
		}
	}
	a.renderLink(w, r, http.StatusUnprocessableEntity, linkPage{Token: tok, Email: email, Form: f})
}
