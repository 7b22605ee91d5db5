package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// Editing dated group memberships on the member page: the row chosen
// with "Edit" turns into a form (since, until, role — the group's own
// roles and the club-wide defaults); below the table a form adds a dated
// membership (group, since — today by default —, optional until, role).
// Overlapping rows, until not after since and dates after today come
// back as errors next to the field, also when the database refuses them
// (a concurrent change).

// membershipForm is the membership form on the member page: adding
// (EditID "") or editing the membership EditID.
type membershipForm struct {
	Form   *Form
	EditID string
	// Roles offered when editing: the membership's group's own roles
	// and the club-wide defaults.
	Roles []membership.GroupRole
}

var membershipLabels = map[string]string{
	"group_id": "HistoryGroup", "from": "HistoryFrom", "until": "HistoryUntil", "role_id": "HistoryRole",
}

type membershipFormKey struct{}

// withMembershipForm carries a failed membership form to the member page.
func withMembershipForm(ctx context.Context, f *Form, editID string) context.Context {
	return context.WithValue(ctx, membershipFormKey{}, [2]any{f, editID})
}

// loadMembershipForms fills the section's membership forms: the add
// form's choices, and the form of the row being edited (from the URL's
// edit_membership, or a failed post).
func (a *App) loadMembershipForms(r *http.Request, actor authz.Actor, s *memberHistorySection) error {
	ctx := r.Context()
	if !s.ShowGroups {
		return nil
	}
	s.CanAddMembership = actor.CanOnMember(authz.MemberGroup, authz.Create, s.MemberID)
	if !s.CanAddMembership && !s.CanEnd {
		return nil
	}
	mf := &membershipForm{Form: newForm(nil)}
	if v, ok := ctx.Value(membershipFormKey{}).([2]any); ok {
		mf.Form, mf.EditID = v[0].(*Form), v[1].(string)
	} else if id := r.URL.Query().Get("edit_membership"); id != "" && s.CanEnd {
		for _, m := range s.Memberships {
			if m.ID == id {
				mf.EditID = id
				mf.Form.Set("from", m.From.Format(time.DateOnly))
				if m.Until != nil {
					mf.Form.Set("until", m.Until.Format(time.DateOnly))
				}
				mf.Form.Set("role_id", m.RoleID)
			}
		}
	}
	if mf.EditID != "" {
		var groupID string
		for _, m := range s.Memberships {
			if m.ID == mf.EditID {
				groupID = m.GroupID
			}
		}
		if groupID == "" { // gone meanwhile: offer adding instead
			mf.EditID = ""
		} else {
			roles, err := a.history.Roles(ctx, actor, groupID)
			if err != nil {
				return err
			}
			mf.Roles = roles
		}
	}
	if mf.EditID == "" && s.CanAddMembership {
		if mf.Form.Get("from") == "" && mf.Form.Valid() {
			mf.Form.Set("from", s.Today.Format(time.DateOnly))
		}
		groups, err := a.groups.GroupChoices(ctx, actor)
		if err != nil {
			return err
		}
		roles, err := a.history.RoleChoices(ctx, actor)
		if err != nil {
			return err
		}
		s.GroupChoices, s.RoleChoices = groups, roles
	}
	s.MembershipForm = mf
	return nil
}

// addRoles are the add form's roles by list: the club-wide defaults
// first, then each group's own, each list labelled.
func (s *memberHistorySection) addRoles(f *frame) []membershipRoleList {
	var out []membershipRoleList
	for i, c := range s.RoleChoices {
		if i == 0 || c.GroupID != s.RoleChoices[i-1].GroupID {
			label := f.T("MembershipRolesDefault")
			if c.GroupID != "" {
				label = f.T("MembershipRolesOf", "Group", c.GroupName)
			}
			out = append(out, membershipRoleList{Label: label})
		}
		l := &out[len(out)-1]
		l.Roles = append(l.Roles, membershipRoleOption{ID: c.ID, Name: c.Name, Leads: c.Leads})
	}
	return out
}

// editRoles are the edit form's roles (the group's own and the club-wide
// defaults), in one list without a label.
func (mf *membershipForm) editRoles() []membershipRoleList {
	l := membershipRoleList{}
	for _, r := range mf.Roles {
		l.Roles = append(l.Roles, membershipRoleOption{ID: r.ID, Name: r.Name, Leads: r.Leads})
	}
	return []membershipRoleList{l}
}

// nonNilGroups is groups, never nil: the add form always has its group
// select, even while the club has no groups.
func nonNilGroups(groups []membership.GroupChoice) []membership.GroupChoice {
	if groups == nil {
		return []membership.GroupChoice{}
	}
	return groups
}

func membershipInput(v url.Values) membership.MembershipInput {
	return membership.MembershipInput{From: v.Get("from"), Until: v.Get("until"), RoleID: v.Get("role_id")}
}

// historyMembershipAdd records a dated membership of the member in the
// chosen group.
func (a *App) historyMembershipAdd(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor, id := actorFrom(r), r.PathValue("id")
	f := newForm(r.PostForm)
	groupID := f.Get("group_id")
	var err error
	var added membership.Membership
	if groupID == "" {
		// Every problem at once: the group and the other fields.
		e := validate.Errors{}
		e.Add("group_id", validate.Required, nil)
		if fe, ok := validate.As(membershipInput(r.PostForm).Validate()); ok {
			for k, m := range fe {
				e.Add(k, m.ID, m.Data)
			}
		}
		err = e.Err()
	} else {
		added, err = a.history.AddMembership(r.Context(), actor, id, groupID, membershipInput(r.PostForm))
	}
	var nf *membership.MembershipNotFoundError
	if errors.As(err, &nf) && nf.Resource == authz.Group {
		err = validate.Field("group_id", validate.NotFound, nil)
	}
	if addDomainErrors(f, err, membershipLabels) {
		*r = *r.WithContext(withMembershipForm(r.Context(), f, ""))
		a.renderMemberShow(w, r, http.StatusUnprocessableEntity, nil, "")
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "MembershipAdded", "Group", added.GroupName)
	http.Redirect(w, r, "/members/"+id+"#history", http.StatusSeeOther)
}

// historyMembershipUpdate saves the since, until and role of one of the
// member's memberships.
func (a *App) historyMembershipUpdate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	actor, id, mid := actorFrom(r), r.PathValue("id"), r.PathValue("membership_id")
	m, err := a.history.Membership(r.Context(), actor, mid)
	if err == nil && m.MemberID != id {
		err = membership.ErrNotFound
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	f := newForm(r.PostForm)
	if f.Get("from") == "" {
		// Since is required here (the add form defaults it to today).
		f.Add("from", "HistoryFrom", "ErrRequired")
	} else {
		_, err = a.history.UpdateMembership(r.Context(), actor, mid, membershipInput(r.PostForm))
	}
	if addDomainErrors(f, err, membershipLabels) || !f.Valid() {
		*r = *r.WithContext(withMembershipForm(r.Context(), f, mid))
		a.renderMemberShow(w, r, http.StatusUnprocessableEntity, nil, "")
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "MembershipSaved", "Group", m.GroupName)
	http.Redirect(w, r, "/members/"+id+"#history", http.StatusSeeOther)
}
