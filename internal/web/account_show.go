package web

import (
	"errors"
	"net/http"
	"strconv"

	"mila/internal/accounts"
)

// accountPage is what accountView shows.
type accountPage struct {
	User     accounts.User
	RoleName string
	Form     *Form
}

// accountShow shows the signed-in user's own account and the form to
// change their password. Every permission set may.
func (a *App) accountShow(w http.ResponseWriter, r *http.Request) {
	a.renderAccount(w, r, http.StatusOK, newForm(nil))
}

func (a *App) renderAccount(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	actor := actorFrom(r)
	u, err := a.accounts.GetUser(r.Context(), actor, actor.UserID)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	forgetPasswords(f, "current_password", "new_password", "new_password_confirm")
	a.render(w, r, status, pageView(accountView, accountPage{User: u, RoleName: a.roleName(r, u), Form: f}))
}

var passwordLabels = map[string]string{
	"current_password":     "AccFieldCurrentPassword",
	"new_password":         "AccFieldNewPassword",
	"new_password_confirm": "AccFieldNewPasswordConfirm",
	"password":             "AccFieldNewPassword",
	"password_confirm":     "AccFieldNewPasswordConfirm",
}

// accountPasswordSave changes the own password; the current one is
// required. Other sessions of the user end (their stamp no longer
// matches); this one continues under a new token.
func (a *App) accountPasswordSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	checkConfirm(f, "new_password", "new_password_confirm", passwordLabels["new_password_confirm"])
	actor := actorFrom(r)
	status := http.StatusUnprocessableEntity
	if f.Valid() {
		err := a.accounts.ChangeOwnPassword(r.Context(), actor, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), a.clientAddr(r))
		var te *accounts.ThrottledError
		switch {
		case err == nil || addDomainErrors(f, err, passwordLabels):
		case errors.As(err, &te):
			// Counted like sign-in failures, with the same limits.
			w.Header().Set("Retry-After", strconv.Itoa(int(te.Wait.Seconds())+1))
			f.Add("current_password", passwordLabels["current_password"], "AccErrThrottled")
			status = http.StatusTooManyRequests
		case errors.Is(err, accounts.ErrBusy):
			f.Add("current_password", passwordLabels["current_password"], "AccErrPasswordBusy")
			status = http.StatusTooManyRequests
		default:
			a.errorResponse(w, r, err)
			return
		}
	}
	if !f.Valid() {
		a.renderAccount(w, r, status, f)
		return
	}
	u, err := a.accounts.GetUser(r.Context(), actor, actor.UserID)
	if err == nil {
		err = a.startSession(r, u)
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.flashSuccess(r, "AccPasswordChanged")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
