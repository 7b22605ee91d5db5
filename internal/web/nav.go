package web

import (
	"strings"

	"mila/internal/authz"
)

// navItem is one entry of the header navigation. The list is data: a
// feature adds its page by appending an entry here, and the layout shows
// it only to actors who may perform Action on Resource — the same
// permission table the route guard uses.
type navItem struct {
	LabelID  string // message id of the link text
	Path     string
	Resource authz.Resource
	Action   authz.Action
	Icon     string // lucide icon name (icon.go), shown before the text
}

// admin reports whether the entry belongs in the Administration menu
// rather than the main row: the pages that set Mila up and look after it,
// which most people never open.
func (it navItem) admin() bool {
	return strings.HasPrefix(it.Path, "/admin/") || it.Path == "/users"
}

// navItems, in display order. A page that belongs in the header gets an
// entry naming the permission that shows it.
var navItems = []navItem{
	{LabelID: "NavMembers", Path: "/members", Resource: authz.Member, Action: authz.Read, Icon: "users"},
	{LabelID: "NavGroups", Path: "/groups", Resource: authz.Group, Action: authz.Read, Icon: "layers"},
	{LabelID: "NavLists", Path: "/lists", Resource: authz.SavedList, Action: authz.Read, Icon: "list"},
	{LabelID: "NavStatistics", Path: "/statistics", Resource: authz.Statistics, Action: authz.Read, Icon: "chart-column"},
	{LabelID: "NavFields", Path: "/admin/fields", Resource: authz.CustomField, Action: authz.Create, Icon: "text-cursor-input"},
	{LabelID: "NavGroupRoles", Path: "/admin/group-roles", Resource: authz.Group, Action: authz.Update, Icon: "tag"},
	{LabelID: "NavExitReasons", Path: "/admin/exit-reasons", Resource: authz.CustomField, Action: authz.Update, Icon: "door-open"},
	{LabelID: "NavImport", Path: "/admin/import", Resource: authz.Import, Action: authz.Create, Icon: "upload"},
	{LabelID: "NavSettings", Path: "/admin/settings", Resource: authz.Settings, Action: authz.Update, Icon: "settings"},
	{LabelID: "NavAudit", Path: "/admin/audit", Resource: authz.Audit, Action: authz.Read, Icon: "history"},
	{LabelID: "NavRetention", Path: "/admin/retention", Resource: authz.Audit, Action: authz.Destroy, Icon: "archive"},
}

// navLink is a navItem ready for the layout.
type navLink struct {
	LabelID string
	Path    string
	Icon    string
	Admin   bool // in the Administration menu
	Current bool // this page or one below it: aria-current="page"
}

// navFor returns the entries actor may see, marking the current one.
func navFor(actor authz.Actor, currentPath string) []navLink {
	var out []navLink
	for _, it := range navItems {
		if !actor.Can(it.Resource, it.Action) {
			continue
		}
		cur := currentPath == it.Path || strings.HasPrefix(currentPath, strings.TrimSuffix(it.Path, "/")+"/")
		out = append(out, navLink{LabelID: it.LabelID, Path: it.Path, Icon: it.Icon, Admin: it.admin(), Current: cur})
	}
	return out
}

// navMain and navAdmin split the visible entries into the main row and
// the Administration menu, keeping their order.
func navMain(links []navLink) []navLink  { return navWhere(links, false) }
func navAdmin(links []navLink) []navLink { return navWhere(links, true) }

func navWhere(links []navLink, admin bool) []navLink {
	var out []navLink
	for _, l := range links {
		if l.Admin == admin {
			out = append(out, l)
		}
	}
	return out
}

// navAdminCurrent reports whether the current page is in the
// Administration menu, so its closed summary can show where you are.
func navAdminCurrent(links []navLink) bool {
	for _, l := range links {
		if l.Admin && l.Current {
			return true
		}
	}
	return false
}
