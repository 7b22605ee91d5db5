package web

import (
	"net/http"
	"time"

	"mila/internal/membership"
	"mila/internal/validate"
)

// memberLinkUser links the selected user (field user_id) to the member;
// the member takes the user's email. Admins only (the domain checks).
// When that changes the member's email, the page asks first, showing old
// → new (confirm=yes with old and new as shown then links); the old
// address is kept as a dated line in the member's notes, in the admin's
// language.
func (a *App) memberLinkUser(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f := newForm(r.PostForm)
	ask := membership.LinkAsk{
		Confirmed: f.Get("confirm") == "yes",
		Old:       r.PostForm.Get("old_email"),
		New:       r.PostForm.Get("new_email"),
		Note: func(old string, until time.Time) string {
			return a.T(r, "MemberPreviousEmailNote", "Date", until.Format("2006-01-02"), "Email", old)
		},
	}
	err := a.members.LinkUserAsked(r.Context(), actorFrom(r), id, f.Get("user_id"), ask)
	if c, ok := membership.AsLinkNeedsConfirm(err); ok {
		a.renderMemberShowWith(w, r, http.StatusOK, f, "", c)
		return
	}
	if fe, ok := validate.As(err); ok {
		a.renderMemberShow(w, r, http.StatusUnprocessableEntity, f, a.T(r, fe["user_id"].ID, memberMessageData(fe["user_id"])...))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "MemberUserLinked")
	http.Redirect(w, r, "/members/"+id, http.StatusSeeOther)
}

// memberUnlinkUser removes the member's link to its user; both keep their email.
func (a *App) memberUnlinkUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.members.UnlinkUser(r.Context(), actorFrom(r), id); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "MemberUserUnlinked")
	http.Redirect(w, r, "/members/"+id, http.StatusSeeOther)
}

// memberMessageData flattens a validate.Message's data into T's pairs.
func memberMessageData(m validate.Message) []any {
	var kv []any
	for k, v := range m.Data {
		kv = append(kv, k, v)
	}
	return kv
}

// linkableLabel is a user in the link select: "Name (email)".
func linkableLabel(u membership.MemberUserOption) string {
	if u.Name == "" {
		return u.Email
	}
	return u.Name + " (" + u.Email + ")"
}

// linkableName is the user with id among the linkable users as
// linkableLabel shows them, else the email.
func linkableName(users []membership.MemberUserOption, id, email string) string {
	for _, u := range users {
		if u.ID == id {
			return linkableLabel(u)
		}
	}
	return email
}
