package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// currentSlug is the group's slug (it never changes, renames keep it).
func (g *loadGroup) currentSlug() string { return g.slug }

func (g *loadGroup) currentName() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.name
}

// targetGroup is a group to add members to or remove them from: mostly
// one of the demo's, sometimes one the run made (which its owner may be
// deleting right now: then a 404 is a correct answer too).
func (cl *client) targetGroup() (slug string, loadMade bool) {
	if cl.chance(0.25) {
		if g := cl.w.randomLoadGroup(cl); g != nil {
			return g.currentSlug(), true
		}
	}
	return pick(cl.rng, cl.w.groups).Slug, false
}

// randomIDs are n distinct members of the demo's, in random order.
func (cl *client) randomIDs(n int) []string {
	seen := make(map[int]bool, n)
	out := make([]string, 0, n)
	if created, found := cl.w.someCreated(cl); found && cl.chance(0.1) {
		// One member another client made (and may be deleting).
		out = append(out, created)
	}
	for len(out) < n && len(seen) < len(cl.w.members) {
		i := cl.rng.IntN(len(cl.w.members))
		if !seen[i] {
			seen[i] = true
			out = append(out, cl.w.members[i])
		}
	}
	return out
}

// bulkSize is how many members a bulk change selects: a page's worth
// mostly, now and then thousands (a whole filtered list).
func (cl *client) bulkSize() int {
	switch n := cl.rng.IntN(100); {
	case n < 70:
		return 1 + cl.rng.IntN(50)
	case n < 95:
		return 50 + cl.rng.IntN(250)
	default:
		return 1000 + cl.rng.IntN(2000)
	}
}

// addMembership adds one member to one group from the member's page,
// inline with htmx or as a plain form.
func (cl *client) addMembership() error {
	id := pick(cl.rng, cl.w.members)
	htmxWant, plainWant := ok, seeOther
	shared := false
	if created, found := cl.w.someCreated(cl); found && cl.chance(0.15) {
		// A member another client made, and may be deleting right now.
		id, shared = created, true
		htmxWant, plainWant = []int{http.StatusOK, http.StatusNotFound}, []int{http.StatusSeeOther, http.StatusNotFound}
	}
	slug, loadMade := cl.targetGroup()
	form := url.Values{"group": {slug}}
	if cl.chance(0.5) {
		// htmx swaps the member's group section; a group deleted meanwhile
		// is a message in it.
		a, err := cl.do(call{group: "POST /members/{id}/groups [htmx]", method: http.MethodPost, path: "/members/" + id + "/groups",
			form: form, htmx: true, want: htmxWant, write: true})
		if err != nil || a.status != http.StatusOK {
			return err
		}
	} else {
		a, err := cl.post("POST /members/{id}/groups", "/members/"+id+"/groups", form, plainWant...)
		if err != nil || a.status != http.StatusSeeOther {
			return err
		}
		if _, err := cl.followRacy(a, shared); err != nil {
			return err
		}
	}
	cl.memberships = append(cl.memberships, memberPair{memberID: id, slug: slug, racy: shared || loadMade})
	return nil
}

// removeMembership removes a membership this client added, from the
// member's page (htmx or plain) or from the group's page.
func (cl *client) removeMembership() error {
	var m memberPair
	if len(cl.memberships) == 0 {
		// Nothing added yet: a member from a demo group, most likely not
		// in it ("was not in the group" is the answer).
		m = memberPair{memberID: pick(cl.rng, cl.w.members), slug: pick(cl.rng, cl.w.groups).Slug}
	} else {
		i := cl.rng.IntN(len(cl.memberships))
		m = cl.memberships[i]
		cl.memberships = append(cl.memberships[:i], cl.memberships[i+1:]...)
	}
	// Its group or member may have been deleted since: 404.
	htmxWant, plainWant := ok, seeOther
	if m.racy {
		htmxWant, plainWant = []int{http.StatusOK, http.StatusNotFound}, []int{http.StatusSeeOther, http.StatusNotFound}
	}
	switch cl.rng.IntN(3) {
	case 0:
		_, err := cl.do(call{group: "POST /members/{id}/groups/{slug}/remove [htmx]", method: http.MethodPost,
			path: "/members/" + m.memberID + "/groups/" + m.slug + "/remove", form: url.Values{}, htmx: true,
			want: htmxWant, write: true})
		return err
	case 1:
		a, err := cl.post("POST /members/{id}/groups/{slug}/remove", "/members/"+m.memberID+"/groups/"+m.slug+"/remove", nil,
			plainWant...)
		if err != nil {
			return err
		}
		_, err = cl.followRacy(a, m.racy)
		return err
	default:
		a, err := cl.post("POST /groups/{slug}/members/{id}/remove", "/groups/"+m.slug+"/members/"+m.memberID+"/remove",
			url.Values{"page": {"1"}}, plainWant...)
		if err != nil {
			return err
		}
		_, err = cl.followRacy(a, m.racy)
		return err
	}
}

// bulkAdd selects members on the overview and adds them to a group with
// the bulk bar.
func (cl *client) bulkAdd() error {
	slug, _ := cl.targetGroup()
	ids := cl.randomIDs(cl.bulkSize())
	a, err := cl.post("POST /members/groups/add", "/members/groups/add",
		url.Values{"group": {slug}, "member_id": ids, "return_to": {"/members?group=" + url.QueryEscape(slug)}}, seeOther...)
	if err != nil {
		return err
	}
	cl.bulks = append(cl.bulks, bulkAdded{slug: slug, ids: ids})
	_, err = cl.follow(a)
	return err
}

// bulkRemove removes a bulk this client added (or random members from a
// demo group, most of whom are not in it).
func (cl *client) bulkRemove() error {
	var b bulkAdded
	if len(cl.bulks) == 0 {
		b = bulkAdded{slug: pick(cl.rng, cl.w.groups).Slug, ids: cl.randomIDs(1 + cl.rng.IntN(100))}
	} else {
		i := cl.rng.IntN(len(cl.bulks))
		b = cl.bulks[i]
		cl.bulks = append(cl.bulks[:i], cl.bulks[i+1:]...)
	}
	a, err := cl.post("POST /members/groups/remove", "/members/groups/remove",
		url.Values{"group": {b.slug}, "member_id": b.ids, "return_to": {"/members?status=all"}}, seeOther...)
	if err != nil {
		return err
	}
	_, err = cl.follow(a)
	return err
}

// groupPageAdd adds the members picked on a group's page.
func (cl *client) groupPageAdd() error {
	slug, loadMade := cl.targetGroup()
	want := seeOther
	if loadMade {
		want = []int{http.StatusSeeOther, http.StatusNotFound}
	}
	ids := cl.randomIDs(1 + cl.rng.IntN(40))
	a, err := cl.post("POST /groups/{slug}/members", "/groups/"+slug+"/members", url.Values{"member_id": ids}, want...)
	if err != nil {
		return err
	}
	if a.status == http.StatusSeeOther {
		cl.bulks = append(cl.bulks, bulkAdded{slug: slug, ids: ids})
	}
	_, err = cl.followRacy(a, loadMade)
	return err
}

// --- writes: groups ------------------------------------------------------

func (cl *client) createGroup() error {
	if _, err := cl.get("GET /groups/new", "/groups/new", ok...); err != nil {
		return err
	}
	cl.groupSeq++
	name := fmt.Sprintf("%s%s %d-%d %s", loadGroupPrefix, cl.w.runID, cl.n, cl.groupSeq,
		pick(cl.rng, []string{"Übungsleiter", "Jugend", "Vorstand", "Kassenprüfung", "Sommerfest", "Ski & Rodel"}))
	a, err := cl.post("POST /groups", "/groups", url.Values{"name": {name}, "description": {"Made by the load run."}}, seeOther...)
	if err != nil {
		return err
	}
	slug := strings.TrimPrefix(a.location, "/groups/")
	if i := strings.IndexAny(slug, "?#"); i >= 0 {
		slug = slug[:i]
	}
	if slug == "" || strings.Contains(slug, "/") {
		cl.rec.unexpected(call{group: "POST /groups", method: "POST", path: "/groups", want: seeOther}, a)
		return nil
	}
	g := &loadGroup{name: name, slug: slug}
	cl.groups = append(cl.groups, g)
	cl.w.loadGroups.Store(slug, g)
	_, err = cl.follow(a)
	return err
}

// createGroupTaken creates a group whose name differs from an existing
// one only in case: refused with a field error (422).
func (cl *client) createGroupTaken() error {
	g := pick(cl.rng, cl.w.groups)
	name := strings.ToUpper(g.Name)
	if name == g.Name {
		name = strings.ToLower(g.Name)
	}
	_, err := cl.post("POST /groups (name taken: 422)", "/groups", url.Values{"name": {name}}, http.StatusUnprocessableEntity)
	return err
}

// ownGroup is one of the groups this client made (making one if none).
func (cl *client) ownGroup() (*loadGroup, error) {
	if len(cl.groups) == 0 {
		if err := cl.createGroup(); err != nil {
			return nil, err
		}
		if len(cl.groups) == 0 {
			return nil, fmt.Errorf("no group made")
		}
	}
	return pick(cl.rng, cl.groups), nil
}

func (cl *client) renameGroup() error {
	g, err := cl.ownGroup()
	if err != nil {
		return err
	}
	if _, err := cl.get("GET /groups/{slug}/edit", "/groups/"+g.slug+"/edit", ok...); err != nil {
		return err
	}
	cl.groupSeq++
	name := fmt.Sprintf("%s%s %d-%d renamed", loadGroupPrefix, cl.w.runID, cl.n, cl.groupSeq)
	a, err := cl.post("POST /groups/{slug}", "/groups/"+g.slug, url.Values{"name": {name}, "description": {"Renamed by the load run."}}, seeOther...)
	if err != nil {
		return err
	}
	g.mu.Lock()
	g.name = name
	g.mu.Unlock()
	_, err = cl.follow(a)
	return err
}

// deleteGroup deletes one of this client's groups through the dialog:
// sometimes with a mistyped name first (422), then with the right one.
func (cl *client) deleteGroup() error {
	if len(cl.groups) == 0 {
		return cl.createGroup()
	}
	i := cl.rng.IntN(len(cl.groups))
	g := cl.groups[i]
	if _, err := cl.do(call{group: "GET /groups/{slug}/delete [htmx]", method: http.MethodGet, path: "/groups/" + g.slug + "/delete", htmx: true, want: ok}); err != nil {
		return err
	}
	name := g.currentName()
	if cl.chance(0.2) {
		if _, err := cl.post("POST /groups/{slug}/delete (wrong name: 422)", "/groups/"+g.slug+"/delete",
			url.Values{"confirm_name": {strings.ToLower(name) + "x"}}, http.StatusUnprocessableEntity); err != nil {
			return err
		}
	}
	a, err := cl.post("POST /groups/{slug}/delete", "/groups/"+g.slug+"/delete", url.Values{"confirm_name": {name}}, seeOther...)
	if err != nil {
		return err
	}
	cl.groups = append(cl.groups[:i], cl.groups[i+1:]...)
	cl.w.loadGroups.Delete(g.slug)
	_, err = cl.follow(a)
	return err
}
