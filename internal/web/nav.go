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
}

// navItems, in display order. A page that belongs in the header gets an
// entry naming the permission that shows it.
var navItems = []navItem{
	{LabelID: "NavMembers", Path: "/members", Resource: authz.Member, Action: authz.Read},
	{LabelID: "NavGroups", Path: "/groups", Resource: authz.Group, Action: authz.Read},
	{LabelID: "NavLists", Path: "/lists", Resource: authz.SavedList, Action: authz.Read},
	{LabelID: "NavStatistics", Path: "/statistics", Resource: authz.Statistics, Action: authz.Read},
	{LabelID: "NavFields", Path: "/admin/fields", Resource: authz.CustomField, Action: authz.Create},
	{LabelID: "NavGroupRoles", Path: "/admin/group-roles", Resource: authz.Group, Action: authz.Update},
	{LabelID: "NavExitReasons", Path: "/admin/exit-reasons", Resource: authz.CustomField, Action: authz.Update},
	{LabelID: "NavImport", Path: "/admin/import", Resource: authz.Import, Action: authz.Create},
	{LabelID: "NavSettings", Path: "/admin/settings", Resource: authz.Settings, Action: authz.Update},
	{LabelID: "NavAudit", Path: "/admin/audit", Resource: authz.Audit, Action: authz.Read},
	{LabelID: "NavRetention", Path: "/admin/retention", Resource: authz.Audit, Action: authz.Destroy},
}

// navLink is a navItem ready for the layout.
type navLink struct {
	LabelID string
	Path    string
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
		out = append(out, navLink{LabelID: it.LabelID, Path: it.Path, Current: cur})
	}
	return out
}
