package web

import (
	"net/http"

	"mila/internal/validate"
)

// memberLinkUser links the selected user (field user_id) to the member;
// the member takes the user's email. Admins only (the domain checks).
func (a *App) memberLinkUser(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f := newForm(r.PostForm)
	err := a.members.LinkUser(r.Context(), actorFrom(r), id, f.Get("user_id"))
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
