package web

import (
	"errors"
	"net/http"
	"strconv"

	"mila/internal/accounts"
	"mila/internal/authz"
	"mila/internal/validate"
)

// accountPage is what accountView shows.
type accountPage struct {
	User     accounts.User
	RoleName string
	Form     *Form // the password form
	// NameForm changes the own display name (a user not linked to a
	// member); a linked user's name is the member's, and MemberURL
	// leads there when the user may read their member record.
	NameForm  *Form
	MemberURL string
}

// accountShow shows the signed-in user's own account: their name (to
// change, unless it is their member's) and the form to change their
// password. Every permission set may.
func (a *App) accountShow(w http.ResponseWriter, r *http.Request) {
	a.renderAccount(w, r, http.StatusOK, newForm(nil), nil)
}

// renderAccount shows the account page with the password form f and the
// name form nf (nil: the stored name).
func (a *App) renderAccount(w http.ResponseWriter, r *http.Request, status int, f, nf *Form) {
	actor := actorFrom(r)
	u, err := a.accounts.GetUser(r.Context(), actor, actor.UserID)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	forgetPasswords(f, "current_password", "new_password", "new_password_confirm")
	if nf == nil {
		nf = newForm(nil)
		nf.Set("name", u.OwnName)
	}
	p := accountPage{User: u, RoleName: a.roleName(r, u), Form: f, NameForm: nf}
	if u.MemberID != "" && actor.CanOnMember(authz.Member, authz.Read, u.MemberID) {
		p.MemberURL = "/members/" + u.MemberID
	}
	a.render(w, r, status, pageView(accountView, p))
}

// accountNameSave gives the own account another display name. A user
// linked to a member is refused next to the field (the name is the
// member's); the change is audited like every write.
func (a *App) accountNameSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	nf := newForm(r.PostForm)
	nf.Required("name", "UserFieldName")
	if nf.Valid() {
		err := a.accounts.ChangeOwnName(r.Context(), actorFrom(r), nf.Get("name"))
		if !addDomainErrors(nf, err, userLabels) {
			if err != nil {
				a.errorResponse(w, r, err)
				return
			}
			a.flashSuccess(r, "AccNameChanged", "Name", validate.Clean(nf.Get("name")))
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
	}
	a.renderAccount(w, r, http.StatusUnprocessableEntity, newForm(nil), nf)
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
		a.renderAccount(w, r, status, f, nil)
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
