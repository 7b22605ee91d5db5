package web

import (
	"net/http"

	"mila/internal/authz"
	"mila/internal/membership"
)

// The screens of the lists history picks from: a group's own roles
// (/groups/{slug}/roles), the club-wide default roles offered in every
// group (/admin/group-roles) and the exit reasons (/admin/exit-reasons).
// Each entry is renamed in its row, deleted only while no record uses it
// (a used one is refused saying how many use it), and added below.

func (a *App) historyListRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /groups/{slug}/roles", authz.Group, authz.Update, a.groupRolesShow)
	a.route(mux, "POST /groups/{slug}/roles", authz.Group, authz.Update, a.groupRoleCreate)
	a.route(mux, "POST /groups/{slug}/roles/{role_id}", authz.Group, authz.Update, a.groupRoleUpdate)
	a.route(mux, "POST /groups/{slug}/roles/{role_id}/delete", authz.Group, authz.Update, a.groupRoleDelete)
	a.route(mux, "GET /admin/group-roles", authz.Group, authz.Update, a.groupRolesShow)
	a.route(mux, "POST /admin/group-roles", authz.Group, authz.Update, a.groupRoleCreate)
	a.route(mux, "POST /admin/group-roles/{role_id}", authz.Group, authz.Update, a.groupRoleUpdate)
	a.route(mux, "POST /admin/group-roles/{role_id}/delete", authz.Group, authz.Update, a.groupRoleDelete)
	a.route(mux, "GET /admin/exit-reasons", authz.CustomField, authz.Update, a.exitReasonsShow)
	a.route(mux, "POST /admin/exit-reasons", authz.CustomField, authz.Create, a.exitReasonCreate)
	a.route(mux, "POST /admin/exit-reasons/{reason_id}", authz.CustomField, authz.Update, a.exitReasonUpdate)
	a.route(mux, "POST /admin/exit-reasons/{reason_id}/delete", authz.CustomField, authz.Destroy, a.exitReasonDelete)
}

// listEntry is one entry of an editable list.
type listEntry struct {
	ID, Name string
	Leads    bool
	Uses     int
}

// listScreen is what listScreenView shows.
type listScreen struct {
	Title    string // translated
	IntroIDs []string
	Base     string // the list's URL; entries are Base/{id}
	HasLeads bool   // roles: the "leads the group" mark
	UsesID   string // column heading of the uses
	InUseID  string // plural message: refused, used by {{.Count}}
	Entries  []listEntry
	CanAdd   bool
	CanEdit  bool
	CanDel   bool
	AddForm  *Form
	RowForm  *Form  // the row form that failed
	RowID    string // its entry
	Refused  string // the entry whose delete was refused
	Count    int    // how many use it
	// A group's screen shows the club-wide defaults too (read only here).
	Group    *membership.Group
	Defaults []listEntry
	// DefaultsLink: the viewer may edit the defaults (/admin/group-roles).
	DefaultsLink bool
}

var listLabels = map[string]string{"name": "EntriesEntryName"}

// ---- group roles ----

// rolesGroup is the group of a /groups/{slug}/roles request, nil for the
// club-wide defaults. On failure it has answered already.
func (a *App) rolesGroup(w http.ResponseWriter, r *http.Request) (*membership.Group, bool) {
	if r.PathValue("slug") == "" {
		return nil, true
	}
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return nil, false
	}
	return &g, true
}

func roleEntries(rs []membership.RoleUse) []listEntry {
	out := make([]listEntry, 0, len(rs))
	for _, x := range rs {
		out = append(out, listEntry{ID: x.ID, Name: x.Name, Leads: x.Leads, Uses: x.Holders})
	}
	return out
}

// renderGroupRoles renders a group's roles (g nil: the defaults) with
// the forms' state in s.
func (a *App) renderGroupRoles(w http.ResponseWriter, r *http.Request, status int, g *membership.Group, s listScreen) {
	actor := actorFrom(r)
	groupID := ""
	if g != nil {
		groupID = g.ID
	}
	roles, err := a.history.RolesOf(r.Context(), actor, groupID)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	s.Entries, s.HasLeads, s.UsesID, s.InUseID = roleEntries(roles), true, "RolesHolders", "GroupRoleInUse"
	s.CanAdd, s.CanEdit, s.CanDel = true, true, true
	s.Group = g
	if g == nil {
		s.Title, s.Base = a.T(r, "DefaultRolesTitle"), "/admin/group-roles"
		s.IntroIDs = []string{"DefaultRolesIntro", "HistoryLeadsNote"}
	} else {
		s.Title, s.Base = a.T(r, "GroupRolesTitle", "Group", g.Name), "/groups/"+g.Slug+"/roles"
		s.IntroIDs = []string{"GroupRolesIntro", "HistoryLeadsNote"}
		defaults, err := a.history.RolesOf(r.Context(), actor, "")
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		s.Defaults = roleEntries(defaults)
		s.DefaultsLink = actor.Can(authz.Group, authz.Update)
	}
	if s.AddForm == nil {
		s.AddForm = newForm(nil)
	}
	a.render(w, r, status, pageView(listScreenView, s))
}

func (a *App) groupRolesShow(w http.ResponseWriter, r *http.Request) {
	g, ok := a.rolesGroup(w, r)
	if !ok {
		return
	}
	a.renderGroupRoles(w, r, http.StatusOK, g, listScreen{})
}

func (a *App) groupRoleCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	g, ok := a.rolesGroup(w, r)
	if !ok {
		return
	}
	groupID, base := "", "/admin/group-roles"
	if g != nil {
		groupID, base = g.ID, "/groups/"+g.Slug+"/roles"
	}
	f := newForm(r.PostForm)
	role, err := a.history.CreateRole(r.Context(), actorFrom(r), groupID, r.PostForm.Get("name"), r.PostForm.Get("leads") == "on")
	if addDomainErrors(f, err, listLabels) {
		a.renderGroupRoles(w, r, http.StatusUnprocessableEntity, g, listScreen{AddForm: f})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "EntriesEntryAdded", "Name", role.Name)
	http.Redirect(w, r, base, http.StatusSeeOther)
}

func (a *App) groupRoleUpdate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	g, ok := a.rolesGroup(w, r)
	if !ok {
		return
	}
	groupID, base := "", "/admin/group-roles"
	if g != nil {
		groupID, base = g.ID, "/groups/"+g.Slug+"/roles"
	}
	id := r.PathValue("role_id")
	f := newForm(r.PostForm)
	role, err := a.history.UpdateRole(r.Context(), actorFrom(r), groupID, id, r.PostForm.Get("name"), r.PostForm.Get("leads") == "on")
	if addDomainErrors(f, err, listLabels) {
		a.renderGroupRoles(w, r, http.StatusUnprocessableEntity, g, listScreen{RowForm: f, RowID: id})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "EntriesEntrySaved", "Name", role.Name)
	http.Redirect(w, r, base, http.StatusSeeOther)
}

func (a *App) groupRoleDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	g, ok := a.rolesGroup(w, r)
	if !ok {
		return
	}
	groupID, base := "", "/admin/group-roles"
	if g != nil {
		groupID, base = g.ID, "/groups/"+g.Slug+"/roles"
	}
	id := r.PathValue("role_id")
	err := a.history.DeleteRole(r.Context(), actorFrom(r), groupID, id)
	if n, used := membership.IsInUse(err); used {
		a.renderGroupRoles(w, r, http.StatusConflict, g, listScreen{Refused: id, Count: n})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "EntriesEntryDeleted")
	http.Redirect(w, r, base, http.StatusSeeOther)
}

// ---- exit reasons ----

func (a *App) renderExitReasons(w http.ResponseWriter, r *http.Request, status int, s listScreen) {
	actor := actorFrom(r)
	reasons, err := a.history.ExitReasonsInUse(r.Context(), actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	for _, x := range reasons {
		s.Entries = append(s.Entries, listEntry{ID: x.ID, Name: x.Name, Uses: x.Uses})
	}
	s.Title, s.Base, s.IntroIDs = a.T(r, "ExitReasonsTitle"), "/admin/exit-reasons", []string{"ExitReasonsIntro"}
	s.UsesID, s.InUseID = "ExitReasonsUses", "ExitReasonInUse"
	s.CanAdd = actor.Can(authz.CustomField, authz.Create)
	s.CanEdit = actor.Can(authz.CustomField, authz.Update)
	s.CanDel = actor.Can(authz.CustomField, authz.Destroy)
	if s.AddForm == nil {
		s.AddForm = newForm(nil)
	}
	a.render(w, r, status, pageView(listScreenView, s))
}

func (a *App) exitReasonsShow(w http.ResponseWriter, r *http.Request) {
	a.renderExitReasons(w, r, http.StatusOK, listScreen{})
}

func (a *App) exitReasonCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := newForm(r.PostForm)
	x, err := a.history.CreateExitReason(r.Context(), actorFrom(r), r.PostForm.Get("name"))
	if addDomainErrors(f, err, listLabels) {
		a.renderExitReasons(w, r, http.StatusUnprocessableEntity, listScreen{AddForm: f})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "EntriesEntryAdded", "Name", x.Name)
	http.Redirect(w, r, "/admin/exit-reasons", http.StatusSeeOther)
}

func (a *App) exitReasonUpdate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	id := r.PathValue("reason_id")
	f := newForm(r.PostForm)
	x, err := a.history.RenameExitReason(r.Context(), actorFrom(r), id, r.PostForm.Get("name"))
	if addDomainErrors(f, err, listLabels) {
		a.renderExitReasons(w, r, http.StatusUnprocessableEntity, listScreen{RowForm: f, RowID: id})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "EntriesEntrySaved", "Name", x.Name)
	http.Redirect(w, r, "/admin/exit-reasons", http.StatusSeeOther)
}

func (a *App) exitReasonDelete(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	id := r.PathValue("reason_id")
	err := a.history.DeleteExitReason(r.Context(), actorFrom(r), id)
	if n, used := membership.IsInUse(err); used {
		a.renderExitReasons(w, r, http.StatusConflict, listScreen{Refused: id, Count: n})
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "EntriesEntryDeleted")
	http.Redirect(w, r, "/admin/exit-reasons", http.StatusSeeOther)
}
