package web

import (
	"errors"
	"net/http"
	"strconv"

	"mila/internal/accounts"
)

// signInPage is what signInView shows.
type signInPage struct {
	Form     *Form
	ReturnTo string
	Problem  string // why the last attempt failed, in the viewer's language
	NoUsers  bool   // an empty installation: say how to create the first admin
}

// authSignInShow shows the sign-in form. Someone already signed in goes
// straight on to return_to.
func (a *App) authSignInShow(w http.ResponseWriter, r *http.Request) {
	rt := safeReturnTo(r.URL.Query().Get("return_to"))
	if actorFrom(r).UserID != "" {
		http.Redirect(w, r, rt, http.StatusSeeOther)
		return
	}
	f := newForm(nil)
	a.renderSignIn(w, r, http.StatusOK, signInPage{Form: f, ReturnTo: rt})
}

func (a *App) renderSignIn(w http.ResponseWriter, r *http.Request, status int, p signInPage) {
	has, err := a.accounts.HasUsers(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	p.NoUsers = !has
	forgetPasswords(p.Form, "password")
	a.render(w, r, status, pageView(signInView, p))
}

// authSignIn checks the email and password. Unknown email and wrong
// password get the same answer (accounts.SignIn takes care that they also
// take about the same time); repeated failures are throttled.
func (a *App) authSignIn(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	// The field, else the action's query (see auth_sign_in.html).
	rt := safeReturnTo(r.Form.Get("return_to"))
	f.Required("email", "AuthFieldEmail")
	if r.PostForm.Get("password") == "" {
		f.Add("password", "AuthFieldPassword", "ErrRequired")
	}
	p := signInPage{Form: f, ReturnTo: rt}
	if !f.Valid() {
		a.renderSignIn(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	u, err := a.accounts.SignIn(r.Context(), f.Get("email"), r.PostForm.Get("password"), a.clientAddr(r))
	var te *accounts.ThrottledError
	switch {
	case errors.As(err, &te):
		w.Header().Set("Retry-After", strconv.Itoa(int(te.Wait.Seconds())+1))
		p.Problem = a.TN(r, "AuthThrottled", te.Minutes())
		a.renderSignIn(w, r, http.StatusTooManyRequests, p)
		return
	case errors.Is(err, accounts.ErrBadCredentials):
		p.Problem = a.T(r, "AuthBadCredentials")
		a.renderSignIn(w, r, http.StatusUnprocessableEntity, p)
		return
	case errors.Is(err, accounts.ErrInactive):
		p.Problem = a.T(r, "AuthInactive")
		a.renderSignIn(w, r, http.StatusUnprocessableEntity, p)
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	if err := a.startSession(r, u); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.rememberLang(r, u)
	http.Redirect(w, r, rt, http.StatusSeeOther)
}

// authSignOut ends the session's sign-in (with a new session token) and
// goes to the sign-in page. Signing out twice is harmless; someone not
// signed in is just sent on (no session is made to say so: anonymous
// requests must not fill the session table).
func (a *App) authSignOut(w http.ResponseWriter, r *http.Request) {
	if actorFrom(r).UserID == "" {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	if err := a.endSession(r); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.flashSuccess(r, "AuthSignedOut")
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}
