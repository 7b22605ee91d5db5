package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"mila/internal/authz"
	"mila/internal/membership"
)

// memberHistorySection is the member page's history: the periods in the
// club and the group memberships past and present. Periods are edited in
// one form (a new period — a re-join — or the one chosen with "Edit").
type memberHistorySection struct {
	MemberID    string
	Periods     []membership.Period
	Memberships []membership.Membership
	Reasons     []membership.ExitReason
	ShowGroups  bool
	CanEdit     bool // periods
	CanEnd      bool // memberships
	CanDelete   bool // membership rows (admin)
	Form        *Form
	EditID      string // the period the form edits, "" for a new one
	Today       time.Time
	// Dated memberships (history_membership.go): adding one, and the form
	// of the row being edited (CanEnd: may change memberships).
	CanAddMembership bool
	MembershipForm   *membershipForm
	GroupChoices     []membership.GroupChoice
	RoleChoices      []membership.RoleChoice
}

// FormAction is where the period form posts.
func (s *memberHistorySection) FormAction() string {
	if s.EditID != "" {
		return "/members/" + s.MemberID + "/periods/" + s.EditID
	}
	return "/members/" + s.MemberID + "/periods"
}

var periodLabels = map[string]string{
	"starts_on": "HistoryPeriodStart", "ends_on": "HistoryPeriodEnd",
	"exit_reason_id": "HistoryExitReason", "resignation_received_on": "HistoryResignationReceived",
	"period": "HistoryPeriods",
}

type historyFormKey struct{}

// withHistoryForm carries a failed period form to the member page.
func withHistoryForm(ctx context.Context, f *Form, editID string) context.Context {
	return context.WithValue(ctx, historyFormKey{}, [2]any{f, editID})
}

func (a *App) memberHistoryFor(r *http.Request, actor authz.Actor, m membership.Member) (*memberHistorySection, error) {
	ctx := r.Context()
	s := &memberHistorySection{
		MemberID:   m.ID,
		CanEdit:    actor.Scope(authz.Member, authz.Update) == authz.All,
		CanEnd:     actor.Can(authz.MemberGroup, authz.Update),
		CanDelete:  actor.Can(authz.MemberGroup, authz.Destroy),
		ShowGroups: actor.Can(authz.MemberGroup, authz.Read) && actor.Can(authz.Group, authz.Read),
		Today:      membership.Today(),
	}
	var err error
	if s.Periods, err = a.history.Periods(ctx, actor, m.ID); err != nil {
		return nil, err
	}
	if s.ShowGroups {
		if s.Memberships, err = a.history.MemberMemberships(ctx, actor, m.ID); err != nil {
			return nil, err
		}
		if err = a.loadMembershipForms(r, actor, s); err != nil {
			return nil, err
		}
	}
	if !s.CanEdit {
		return s, nil
	}
	if s.Reasons, err = a.history.ExitReasons(ctx, actor); err != nil {
		return nil, err
	}
	if v, ok := ctx.Value(historyFormKey{}).([2]any); ok {
		s.Form, s.EditID = v[0].(*Form), v[1].(string)
		return s, nil
	}
	s.Form = newForm(nil)
	if id := r.URL.Query().Get("edit_period"); id != "" {
		for _, p := range s.Periods {
			if p.ID == id {
				s.EditID = id
				s.Form.Set("starts_on", p.StartsOn.Format(time.DateOnly))
				if p.EndsOn != nil {
					s.Form.Set("ends_on", p.EndsOn.Format(time.DateOnly))
				}
				if p.ResignationReceivedOn != nil {
					s.Form.Set("resignation_received_on", p.ResignationReceivedOn.Format(time.DateOnly))
				}
				s.Form.Set("exit_reason_id", p.ExitReasonID)
			}
		}
	}
	return s, nil
}

func periodInput(v url.Values) membership.PeriodInput {
	return membership.PeriodInput{StartsOn: v.Get("starts_on"), EndsOn: v.Get("ends_on"),
		ExitReasonID: v.Get("exit_reason_id"), ResignationReceivedOn: v.Get("resignation_received_on")}
}

// historyPeriodAdd adds a period (a re-join: the same member, a new period).
func (a *App) historyPeriodAdd(w http.ResponseWriter, r *http.Request) {
	a.historyPeriodSave(w, r, "")
}

// historyPeriodUpdate saves the period chosen with "Edit".
func (a *App) historyPeriodUpdate(w http.ResponseWriter, r *http.Request) {
	a.historyPeriodSave(w, r, r.PathValue("period_id"))
}

func (a *App) historyPeriodSave(w http.ResponseWriter, r *http.Request, periodID string) {
	if !a.parseForm(w, r) {
		return
	}
	actor, id := actorFrom(r), r.PathValue("id")
	var err error
	if periodID == "" {
		_, err = a.history.AddPeriod(r.Context(), actor, id, periodInput(r.PostForm))
	} else {
		_, err = a.history.UpdatePeriod(r.Context(), actor, id, periodID, periodInput(r.PostForm))
	}
	f := newForm(r.PostForm)
	if addDomainErrors(f, err, periodLabels) {
		*r = *r.WithContext(withHistoryForm(r.Context(), f, periodID))
		a.renderMemberShow(w, r, http.StatusUnprocessableEntity, nil, "")
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "HistoryPeriodSaved")
	http.Redirect(w, r, "/members/"+id+"#history", http.StatusSeeOther)
}

// historyMembershipEnd ends one current membership today.
func (a *App) historyMembershipEnd(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor, id := actorFrom(r), r.PathValue("id")
	m, err := a.history.Membership(r.Context(), actor, r.PathValue("membership_id"))
	if err == nil && m.MemberID != id {
		err = membership.ErrNotFound
	}
	if err == nil {
		_, err = a.history.EndMemberships(r.Context(), actor, m.GroupID, []string{m.MemberID}, membership.Today())
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "HistoryMembershipEnded", "Group", m.GroupName)
	http.Redirect(w, r, "/members/"+id+"#history", http.StatusSeeOther)
}

// historyMembershipDelete deletes a membership row (a mistake), after
// the confirmation box is ticked. Admin only.
func (a *App) historyMembershipDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor, id := actorFrom(r), r.PathValue("id")
	m, err := a.history.Membership(r.Context(), actor, r.PathValue("membership_id"))
	if err == nil && m.MemberID != id {
		err = membership.ErrNotFound
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		a.flashError(r, "HistoryDeleteConfirmMissing")
		http.Redirect(w, r, "/members/"+id+"#history", http.StatusSeeOther)
		return
	}
	if err := a.history.DeleteMembership(r.Context(), actor, m.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "HistoryMembershipDeleted", "Group", m.GroupName)
	http.Redirect(w, r, "/members/"+id+"#history", http.StatusSeeOther)
}
