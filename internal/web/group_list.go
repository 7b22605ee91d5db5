package web

import (
	"net/http"
	"net/url"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
)

// groupListPage is what groupListView shows.
type groupListPage struct {
	Groups    []membership.Group
	Q         string // the search as typed (trimmed)
	Sort      string // "name" or "member_count"
	Dir       string // "asc" or "desc"
	CanCreate bool
	CanEdit   bool
	CanDelete bool
}

// groupListSorts are the sort keys the list accepts in its URL.
var groupListSorts = map[string]membership.GroupSort{
	"name":         membership.GroupSortName,
	"member_count": membership.GroupSortMemberCount,
}

// groupListQuery reads q, sort and dir from the URL. Unknown sort or dir
// values fall back to the defaults (name, ascending): a hand-edited or old
// link still shows the list rather than an error.
func groupListQuery(v url.Values) (q, sort, dir string) {
	// Invalid UTF-8 and NUL cannot be sent to PostgreSQL (a query error,
	// not "no match"); no group name contains them, so they are dropped.
	q = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(v.Get("q"), ""), "\x00", ""))
	if len([]rune(q)) > membership.GroupNameMax {
		q = string([]rune(q)[:membership.GroupNameMax])
	}
	sort = v.Get("sort")
	if _, ok := groupListSorts[sort]; !ok {
		sort = "name"
	}
	dir = v.Get("dir")
	if dir != "asc" && dir != "desc" {
		dir = "asc"
	}
	return q, sort, dir
}

// groupList shows every group with its member count, searchable by name
// and sortable by name or member count.
func (a *App) groupList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	q, sort, dir := groupListQuery(r.URL.Query())
	groups, err := a.groups.ListGroups(r.Context(), actor, membership.GroupListOptions{
		Q: q, Sort: groupListSorts[sort], Desc: dir == "desc",
	})
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := groupListPage{
		Groups:    groups,
		Q:         q,
		Sort:      sort,
		Dir:       dir,
		CanCreate: actor.Can(authz.Group, authz.Create),
		CanEdit:   actor.Can(authz.Group, authz.Update),
		CanDelete: actor.Can(authz.Group, authz.Destroy),
	}
	a.render(w, r, http.StatusOK, pageView(groupListView, p))
}

// SortURL is the address that sorts the list by key: the first click sorts
// ascending (member count: most first), clicking the current column again
// reverses it. The search is kept.
func (p groupListPage) SortURL(key string) string {
	dir := "asc"
	if key == "member_count" {
		dir = "desc"
	}
	if p.Sort == key {
		dir = map[string]string{"asc": "desc", "desc": "asc"}[p.Dir]
	}
	v := url.Values{}
	if p.Q != "" {
		v.Set("q", p.Q)
	}
	v.Set("sort", key)
	v.Set("dir", dir)
	return "/groups?" + v.Encode()
}

// AriaSort is the aria-sort value of the column key: ascending or
// descending on the sorted column, none elsewhere.
func (p groupListPage) AriaSort(key string) string {
	if p.Sort != key {
		return "none"
	}
	if p.Dir == "desc" {
		return "descending"
	}
	return "ascending"
}
