package web

import (
	"net/http"
	"net/url"
	"slices"

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
	// AsOf: the counts are of this day ("" today); AsOfBad: a malformed
	// as_of was replaced by today.
	AsOf    string
	AsOfBad bool
}

// groupList shows every group with its member count, searchable by name
// and sortable by name or member count. ListGroups normalises the
// URL's search and sort; the page shows them as it did.
func (a *App) groupList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	v := r.URL.Query()
	list, err := a.groups.ListGroups(r.Context(), actor, membership.GroupListOptions{
		Q: v.Get("q"), Sort: membership.GroupSort(v.Get("sort")), Desc: v.Get("dir") == "desc",
	})
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := groupListPage{
		Groups:    list.Groups,
		Q:         list.Options.Q,
		Sort:      string(list.Options.Sort),
		Dir:       "asc",
		CanCreate: actor.Can(authz.Group, authz.Create),
		CanEdit:   actor.Can(authz.Group, authz.Update),
		CanDelete: actor.Can(authz.Group, authz.Destroy),
	}
	if list.Options.Desc {
		p.Dir = "desc"
	}
	p.AsOfBad = asOfMalformed(v)
	if day := asOfFromURL(v); !day.IsZero() {
		// The counts on that day, from the dated memberships (a sort by
		// count follows them).
		counts, err := a.history.GroupCountsOn(r.Context(), actor, day)
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		p.AsOf = asOfValue(day)
		for i := range p.Groups {
			p.Groups[i].MemberCount = counts[p.Groups[i].ID]
		}
		if p.Sort == string(membership.GroupSortMemberCount) {
			slices.SortStableFunc(p.Groups, func(x, y membership.Group) int {
				if p.Dir == "desc" {
					return y.MemberCount - x.MemberCount
				}
				return x.MemberCount - y.MemberCount
			})
		}
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
	if p.AsOf != "" {
		v.Set("as_of", p.AsOf)
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
