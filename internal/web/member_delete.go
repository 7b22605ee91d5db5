package web

import (
	"net/http"
)

// memberDeleteConfirm is the confirmation page that stands in for the
// delete dialog without JavaScript (its Page is a memberShowPage).
func (a *App) memberDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	d, err := a.members.DeletionPreview(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(memberDeleteView, memberShowPage{Member: d.Member, Deletion: d, CanDelete: true}))
}

func (a *App) memberDelete(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	m, err := a.members.Get(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if err := a.members.Delete(r.Context(), actor, m.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "MemberDeleted", "Name", m.Name())
	http.Redirect(w, r, "/members", http.StatusSeeOther)
}
