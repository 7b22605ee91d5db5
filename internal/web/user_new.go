package web

import (
	"net/http"

	"mila/internal/accounts"
)

// userNewPage is what userNewView shows.
type userNewPage struct {
	Form  *Form
	Roles []option
}

var userLabels = map[string]string{
	"name":             "UserFieldName",
	"email":            "AuthFieldEmail",
	"role_id":          "UserFieldRole",
	"password":         "UserFieldInitialPassword",
	"password_confirm": "AccFieldNewPasswordConfirm",
}

// Values of the new-user form's password_mode radio.
const (
	modePassword = "password"
	modeLink     = "link"
)

// userNew shows the form for a new user (admin).
func (a *App) userNew(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	f.Set("password_mode", modeLink)
	a.renderUserNew(w, r, http.StatusOK, f)
}

func (a *App) renderUserNew(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	roles, err := a.roleOptions(r)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	forgetPasswords(f, "password")
	a.render(w, r, status, pageView(userNewView, userNewPage{Form: f, Roles: roles}))
}

// userLinkPage is what userLinkView shows: a one-time set-password link,
// shown once to the admin to pass on.
type userLinkPage struct {
	User accounts.User
	Link string
	New  bool // just created (else a fresh link for an existing user)
	// Mail says whether the link also went out by mail (mail_account.go).
	Mail invitationMail
}

// userCreate adds a user with an initial password, or without one and
// with a one-time set-password link that the next page shows.
func (a *App) userCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	mode := f.Get("password_mode")
	f.Check(mode == modePassword || mode == modeLink, "password_mode", "UserFieldPasswordMode", "ErrRequired")
	f.Required("name", "UserFieldName")
	f.Required("email", "AuthFieldEmail")
	f.Required("role_id", "UserFieldRole")
	if !f.Valid() {
		a.renderUserNew(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	u, tok, err := a.accounts.CreateUser(r.Context(), actorFrom(r), accounts.NewUser{
		Name:     f.Get("name"),
		Email:    f.Get("email"),
		RoleID:   f.Get("role_id"),
		Password: r.PostForm.Get("password"),
		WithLink: mode == modeLink,
	})
	if addDomainErrors(f, err, userLabels) {
		a.renderUserNew(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if tok == "" {
		a.flashSuccess(r, "UserCreated", "Email", u.Email)
		http.Redirect(w, r, "/users", http.StatusSeeOther)
		return
	}
	// The link is shown on this response only: it is not kept anywhere
	// but in the admin's browser, and its hash in the database.
	link := a.absURL(r, "/set-password?token="+tok)
	a.render(w, r, http.StatusOK, pageView(userLinkView, userLinkPage{User: u, Link: link, New: true, Mail: a.mailInvitation(r, u, link)}))
}

// absURL makes a link for someone else's browser: MILA_BASE_URL when
// set, else the address this request came to.
func (a *App) absURL(r *http.Request, path string) string {
	if a.cfg.BaseURL != "" {
		return a.cfg.BaseURL + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
