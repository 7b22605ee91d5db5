package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"mila/internal/privacy"
)

// retentionPage is /admin/retention: the rule and who is due under it.
type retentionPage struct {
	Form      *Form // the rule
	Apply     *Form // the confirmation
	Rule      privacy.Retention
	Due       []privacy.DueMember
	Total     int
	CanChange bool
}

var retentionLabels = map[string]string{"years": "RetentionYears", "mode": "RetentionMode", "confirm": "RetentionConfirm"}

func (a *App) retentionShow(w http.ResponseWriter, r *http.Request) {
	a.renderRetention(w, r, http.StatusOK, nil, nil)
}

func (a *App) renderRetention(w http.ResponseWriter, r *http.Request, status int, form, apply *Form) {
	actor := actorFrom(r)
	due, total, rule, err := a.privacy.Due(r.Context(), actor, time.Now())
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if form == nil {
		form = newForm(url.Values{"years": {strconv.Itoa(rule.Years)}, "mode": {rule.Mode}})
	}
	if apply == nil {
		apply = newForm(nil)
	}
	a.render(w, r, status, pageView(retentionView, retentionPage{Form: form, Apply: apply, Rule: rule, Due: due, Total: total,
		CanChange: privacy.CanErase(actor)}))
}

// retentionSave saves the rule.
func (a *App) retentionSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	form := newForm(r.PostForm)
	years, convErr := strconv.Atoi(form.Get("years"))
	if form.Get("years") == "" {
		years, convErr = 0, nil
	}
	if convErr != nil {
		form.Add("years", "RetentionYears", "ErrRetentionYears", "Max", privacy.RetentionMaxYears)
		a.renderRetention(w, r, http.StatusUnprocessableEntity, form, nil)
		return
	}
	err := a.privacy.SetRetention(r.Context(), actorFrom(r), privacy.Retention{Years: years, Mode: form.Get("mode")})
	if addDomainErrors(form, err, retentionLabels) {
		a.renderRetention(w, r, http.StatusUnprocessableEntity, form, nil)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "RetentionSaved")
	http.Redirect(w, r, "/admin/retention", http.StatusSeeOther)
}

// retentionApply erases the listed members an admin confirmed.
func (a *App) retentionApply(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	apply := newForm(r.PostForm)
	n, err := a.privacy.ApplyRetention(r.Context(), actorFrom(r), r.PostForm["member_id"], apply.Get("confirm") == "yes", time.Now())
	if addDomainErrors(apply, err, retentionLabels) {
		a.renderRetention(w, r, http.StatusUnprocessableEntity, nil, apply)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccessN(r, "RetentionApplied", n)
	http.Redirect(w, r, "/admin/retention", http.StatusSeeOther)
}
