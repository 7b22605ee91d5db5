package web

import (
	"net/http"

	"mila/internal/privacy"
)

// memberErasePage is the erasure form (Art. 17): on the member page as a
// dialog, and as a page of its own without JavaScript or after an error.
type memberErasePage struct {
	MemberID, Name string
	Form           *Form
}

var memberEraseLabels = map[string]string{"mode": "EraseMode", "confirm_name": "EraseConfirmName"}

// memberEraseConfirm shows the erasure form as a page.
func (a *App) memberEraseConfirm(w http.ResponseWriter, r *http.Request) {
	m, err := a.members.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	form := newForm(nil)
	form.Set("mode", privacy.ModeAnonymise)
	a.render(w, r, http.StatusOK, pageView(memberEraseView, memberErasePage{MemberID: m.ID, Name: m.Name(), Form: form}))
}

// memberErase deletes or anonymises the member once the typed name
// matches; the triggers record it and the member's audit entries are
// reduced to "member erased".
func (a *App) memberErase(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	m, err := a.members.Get(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	form := newForm(r.PostForm)
	mode := form.Get("mode")
	err = a.privacy.Erase(r.Context(), actor, m.ID, mode, form.Get("confirm_name"))
	if addDomainErrors(form, err, memberEraseLabels) {
		a.render(w, r, http.StatusUnprocessableEntity, pageView(memberEraseView, memberErasePage{MemberID: m.ID, Name: m.Name(), Form: form}))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if mode == privacy.ModeDelete {
		a.flashSuccess(r, "EraseDeleted", "Name", m.Name())
		http.Redirect(w, r, "/members", http.StatusSeeOther)
		return
	}
	a.flashSuccess(r, "EraseAnonymised", "Name", m.Name())
	http.Redirect(w, r, "/members/"+m.ID, http.StatusSeeOther)
}

func newEraseForm() *Form {
	f := newForm(nil)
	f.Set("mode", privacy.ModeAnonymise)
	return f
}
