package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mila/internal/membership"
	"mila/internal/validate"
)

// Status sets the requests expect.
var (
	ok        = []int{http.StatusOK}
	seeOther  = []int{http.StatusSeeOther}
	forbidden = []int{http.StatusForbidden}
)

// weighted is one operation of a client's mix.
type weighted struct {
	weight int
	name   string
	run    func(cl *client) error
}

func choose(cl *client, ops []weighted) weighted {
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	n := cl.rng.IntN(total)
	for _, o := range ops {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	return ops[len(ops)-1]
}

// The mixes, by permission set. Reads cover every page the set may open
// (plus a few it may not: a 403 is the expected answer); writes cover
// every form the set may post, and for the sets that may not write,
// posts that must be refused.
var (
	adminReads = []weighted{
		{30, "members overview", (*client).readMemberList},
		{8, "members overview (htmx)", (*client).readMemberListHTMX},
		{14, "member", (*client).readMember},
		{3, "member edit form", (*client).readMemberEdit},
		{1, "member delete confirmation", (*client).readMemberDelete},
		{1, "new member form", func(cl *client) error { _, err := cl.get("GET /members/new", "/members/new", ok...); return err }},
		{8, "groups", (*client).readGroups},
		{10, "group", (*client).readGroup},
		{4, "group candidates (htmx)", (*client).readCandidates},
		{2, "group forms", (*client).readGroupForms},
		{4, "custom fields admin", (*client).readFields},
		{4, "users", (*client).readUsers},
		{3, "roles", (*client).readRoles},
		{2, "account", func(cl *client) error { _, err := cl.get("GET /account", "/account", ok...); return err }},
		{2, "home", (*client).readHome},
	}
	adminWrites = []weighted{
		{24, "edit member", func(cl *client) error { return cl.editMember(cl.editTarget()) }},
		{8, "create member", (*client).createMember},
		{4, "delete member", (*client).deleteMember},
		{12, "add member to group", (*client).addMembership},
		{10, "remove member from group", (*client).removeMembership},
		{7, "bulk add (overview)", (*client).bulkAdd},
		{6, "bulk remove (overview)", (*client).bulkRemove},
		{4, "bulk add (group page)", (*client).groupPageAdd},
		{6, "create group", (*client).createGroup},
		{2, "create group, name taken", (*client).createGroupTaken},
		{5, "rename group", (*client).renameGroup},
		{5, "delete group", (*client).deleteGroup},
	}
	treasurerReads = []weighted{
		{35, "members overview", (*client).readMemberList},
		{8, "members overview (htmx)", (*client).readMemberListHTMX},
		{18, "member", (*client).readMember},
		{5, "member edit form", (*client).readMemberEdit},
		{2, "new member form", func(cl *client) error { _, err := cl.get("GET /members/new", "/members/new", ok...); return err }},
		{8, "groups", (*client).readGroups},
		{10, "group", (*client).readGroup},
		{3, "account", func(cl *client) error { _, err := cl.get("GET /account", "/account", ok...); return err }},
		{2, "users (to the account)", (*client).readUsers},
		{2, "roles", (*client).readRoles},
		{2, "home", (*client).readHome},
		{3, "forbidden pages", (*client).readForbidden},
	}
	treasurerWrites = []weighted{
		{70, "edit member", func(cl *client) error { return cl.editMember(cl.editTarget()) }},
		{20, "create member", (*client).createMember},
		{10, "refused writes", (*client).refusedWrite},
	}
	boardReads = []weighted{
		{35, "members overview", (*client).readMemberList},
		{8, "members overview (htmx)", (*client).readMemberListHTMX},
		{20, "member", (*client).readMember},
		{10, "groups", (*client).readGroups},
		{12, "group", (*client).readGroup},
		{3, "account", func(cl *client) error { _, err := cl.get("GET /account", "/account", ok...); return err }},
		{2, "users (to the account)", (*client).readUsers},
		{2, "roles", (*client).readRoles},
		{2, "home", (*client).readHome},
		{6, "forbidden pages", (*client).readForbidden},
	}
	boardWrites = []weighted{
		{1, "refused writes", (*client).refusedWrite},
	}
	memberReads = []weighted{
		{20, "own record", func(cl *client) error {
			_, err := cl.get("GET /members/{id} (own)", "/members/"+cl.acct.memberID, ok...)
			return err
		}},
		{10, "overview (to the own record)", (*client).readOwnOverview},
		{8, "own edit form", func(cl *client) error {
			_, err := cl.get("GET /members/{id}/edit (own)", "/members/"+cl.acct.memberID+"/edit", ok...)
			return err
		}},
		{10, "groups", (*client).readGroups},
		{10, "group", (*client).readGroup},
		{5, "account", func(cl *client) error { _, err := cl.get("GET /account", "/account", ok...); return err }},
		{3, "roles", (*client).readRoles},
		{3, "home", (*client).readHome},
		{5, "another member (guessed id)", func(cl *client) error {
			_, err := cl.get("GET /members/{id} (not own: refused)", "/members/"+pick(cl.rng, cl.w.members), http.StatusNotFound, http.StatusForbidden)
			return err
		}},
		{4, "forbidden pages", (*client).readForbidden},
	}
	memberWrites = []weighted{
		{85, "edit own record", func(cl *client) error { return cl.editMember(cl.acct.memberID) }},
		{15, "refused writes", (*client).refusedWrite},
	}
)

// step runs one operation of the client's mix: a write with probability
// writes, else a read.
func (cl *client) step(writes float64) {
	var reads, ws []weighted
	switch cl.acct.role {
	case roleAdmin:
		reads, ws = adminReads, adminWrites
	case roleTreasurer:
		reads, ws = treasurerReads, treasurerWrites
	case roleBoard:
		reads, ws = boardReads, boardWrites
	default:
		reads, ws = memberReads, memberWrites
	}
	write := cl.chance(writes)
	o := choose(cl, reads)
	if write {
		o = choose(cl, ws)
	}
	cl.rec.op(o.name, write)
	_ = o.run(cl) // what went wrong is in the recorder
}

// --- reads ------------------------------------------------------------

// memberQuery is a random overview URL: a search, status, sort, direction,
// page (sometimes deep or past the end), page size and group filter in
// every combination, and the route group it is reported under.
func (cl *client) memberQuery() (string, string) {
	w, r := cl.w, cl.rng
	v := url.Values{}
	kind := "list"
	if cl.chance(0.45) {
		if cl.chance(0.4) {
			v.Set("q", pick(r, w.surnames))
		} else {
			v.Set("q", pick(r, w.searches))
		}
		kind = "search"
	}
	if cl.chance(0.3) {
		v.Set("status", pick(r, []string{"active", "former", "all", "bogus"}))
	}
	if cl.chance(0.3) {
		switch n := r.IntN(20); {
		case n < 12:
			v.Set("group", pick(r, w.groups).Slug)
		case n < 14:
			v.Set("group", w.largest.Slug)
		case n < 17:
			v.Set("group", "none")
		case n < 19:
			if g := w.randomLoadGroup(cl); g != nil {
				v.Set("group", g.currentSlug())
			} else {
				v.Set("group", "none")
			}
		default:
			v.Set("group", "no-such-group")
		}
		if kind == "list" {
			kind = "group filter"
		}
	}
	if cl.chance(0.5) {
		sorts := []string{"name", "email", "city", "join_date", "relevance", "groups", "group_count", "bogus"}
		sorts = append(sorts, w.cfSorts...)
		v.Set("sort", pick(r, sorts))
	}
	if cl.chance(0.3) {
		v.Set("dir", pick(r, []string{"asc", "desc"}))
	}
	perPage := membership.MemberPerPageDefault
	if cl.chance(0.3) {
		perPage = pick(r, []int{25, 50, 100, 7})
		v.Set("per_page", strconv.Itoa(perPage))
	}
	switch n := r.IntN(100); {
	case n < 55:
	case n < 85:
		v.Set("page", strconv.Itoa(2+r.IntN(9)))
	case n < 95:
		// Deep: anywhere in a full register's pages (past the end of a
		// filtered one, which then shows its last page).
		pages := max(1, len(w.members)/max(perPage, 25))
		v.Set("page", strconv.Itoa(1+r.IntN(pages)))
		kind = "deep page"
	default:
		v.Set("page", pick(r, []string{"999999", "0", "-3", "x"}))
		kind = "deep page"
	}
	if strings.HasPrefix(v.Get("sort"), "cf_") {
		// Reported apart: sorting by a custom column sorts every matching
		// member (no index walks it), by far the costliest read.
		kind = "custom field sort"
	}
	path := "/members"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	return path, "GET /members (" + kind + ")"
}

func (cl *client) readMemberList() error {
	path, group := cl.memberQuery()
	_, err := cl.get(group, path, ok...)
	return err
}

// readMemberListHTMX is the search-as-you-type request: only the results.
func (cl *client) readMemberListHTMX() error {
	path, _ := cl.memberQuery()
	_, err := cl.do(call{group: "GET /members [htmx]", method: http.MethodGet, path: path, htmx: true, want: ok})
	return err
}

// readOwnOverview: an own_data user has no overview; Mila sends them to
// their own record (htmx: HX-Redirect with 204).
func (cl *client) readOwnOverview() error {
	path, _ := cl.memberQuery()
	if cl.chance(0.3) {
		a, err := cl.do(call{group: "GET /members [htmx] (own_data)", method: http.MethodGet, path: path, htmx: true, want: []int{http.StatusNoContent}})
		if err == nil && a.header.Get("HX-Redirect") != "/members/"+cl.acct.memberID {
			cl.rec.unexpected(call{group: "GET /members [htmx] (own_data)", method: "GET", path: path, want: []int{204}}, a)
		}
		return err
	}
	a, err := cl.get("GET /members (own_data)", path, seeOther...)
	if err != nil {
		return err
	}
	if a.location != "/members/"+cl.acct.memberID {
		cl.rec.unexpected(call{group: "GET /members (own_data)", method: "GET", path: path, want: []int{303}}, a)
		return nil
	}
	_, err = cl.follow(a)
	return err
}

func (cl *client) readMember() error {
	id := pick(cl.rng, cl.w.members)
	if len(cl.members) > 0 && cl.chance(0.1) {
		id = pick(cl.rng, cl.members)
	}
	_, err := cl.get("GET /members/{id}", "/members/"+id, ok...)
	return err
}

func (cl *client) readMemberEdit() error {
	_, err := cl.get("GET /members/{id}/edit", "/members/"+pick(cl.rng, cl.w.members)+"/edit", ok...)
	return err
}

func (cl *client) readMemberDelete() error {
	_, err := cl.get("GET /members/{id}/delete", "/members/"+pick(cl.rng, cl.w.members)+"/delete", ok...)
	return err
}

func (cl *client) readGroups() error {
	v := url.Values{}
	if cl.chance(0.3) {
		g := pick(cl.rng, cl.w.groups).Name
		if cl.chance(0.5) {
			g = strings.Fields(g)[0]
		}
		v.Set("q", g)
	}
	if cl.chance(0.5) {
		v.Set("sort", pick(cl.rng, []string{"name", "member_count", "bogus"}))
	}
	if cl.chance(0.3) {
		v.Set("dir", pick(cl.rng, []string{"asc", "desc"}))
	}
	path := "/groups"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	_, err := cl.get("GET /groups", path, ok...)
	return err
}

// readGroup shows a group's page: the first pages mostly, sometimes a
// deep one or one past the end; admins sometimes search candidates.
func (cl *client) readGroup() error {
	g := pick(cl.rng, cl.w.groups)
	if cl.chance(0.2) {
		g = cl.w.largest
	}
	want := ok
	if lg := cl.w.randomLoadGroup(cl); lg != nil && cl.chance(0.1) {
		g = groupRef{Slug: lg.currentSlug()}
		want = []int{http.StatusOK, http.StatusNotFound} // it may just have been deleted
	}
	v := url.Values{}
	pages := max(1, (g.Count+membership.GroupMembersPerPage-1)/membership.GroupMembersPerPage)
	switch n := cl.rng.IntN(10); {
	case n < 6:
	case n < 9:
		v.Set("page", strconv.Itoa(1+cl.rng.IntN(pages)))
	default:
		v.Set("page", strconv.Itoa(pages+1+cl.rng.IntN(1000)))
	}
	if cl.acct.role == roleAdmin && cl.chance(0.15) {
		v.Set("q", pick(cl.rng, cl.w.surnames))
	}
	path := "/groups/" + g.Slug
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	_, err := cl.get("GET /groups/{slug}", path, want...)
	return err
}

func (cl *client) readCandidates() error {
	g := pick(cl.rng, cl.w.groups)
	q := pick(cl.rng, cl.w.searches)
	_, err := cl.do(call{group: "GET /groups/{slug}/candidates [htmx]", method: http.MethodGet,
		path: "/groups/" + g.Slug + "/candidates?q=" + url.QueryEscape(q), htmx: true, want: ok})
	return err
}

func (cl *client) readGroupForms() error {
	g := pick(cl.rng, cl.w.groups)
	switch cl.rng.IntN(4) {
	case 0:
		_, err := cl.get("GET /groups/new", "/groups/new", ok...)
		return err
	case 1:
		_, err := cl.get("GET /groups/{slug}/edit", "/groups/"+g.Slug+"/edit", ok...)
		return err
	case 2:
		_, err := cl.get("GET /groups/{slug}/delete", "/groups/"+g.Slug+"/delete", ok...)
		return err
	default:
		_, err := cl.do(call{group: "GET /groups/{slug}/delete [htmx]", method: http.MethodGet, path: "/groups/" + g.Slug + "/delete", htmx: true, want: ok})
		return err
	}
}

func (cl *client) readFields() error {
	switch cl.rng.IntN(5) {
	case 0, 1:
		_, err := cl.get("GET /admin/fields", "/admin/fields", ok...)
		return err
	case 2:
		_, err := cl.get("GET /admin/fields/new", "/admin/fields/new", ok...)
		return err
	case 3:
		_, err := cl.get("GET /admin/fields/{id}/edit", "/admin/fields/"+pick(cl.rng, cl.w.fieldIDs)+"/edit", ok...)
		return err
	default:
		_, err := cl.get("GET /admin/fields/{id}/delete", "/admin/fields/"+pick(cl.rng, cl.w.fieldIDs)+"/delete", ok...)
		return err
	}
}

// readUsers: admins see the users; everyone else is sent to their account.
func (cl *client) readUsers() error {
	if cl.acct.role != roleAdmin {
		a, err := cl.get("GET /users (to /account)", "/users", seeOther...)
		if err != nil {
			return err
		}
		_, err = cl.follow(a)
		return err
	}
	switch cl.rng.IntN(4) {
	case 0, 1:
		_, err := cl.get("GET /users", "/users", ok...)
		return err
	case 2:
		_, err := cl.get("GET /users/new", "/users/new", ok...)
		return err
	default:
		_, err := cl.get("GET /users/{id}", "/users/"+pick(cl.rng, cl.w.userIDs), ok...)
		return err
	}
}

func (cl *client) readRoles() error {
	if cl.acct.role != roleAdmin || cl.chance(0.5) {
		_, err := cl.get("GET /admin/roles", "/admin/roles", ok...)
		return err
	}
	if cl.chance(0.3) {
		_, err := cl.get("GET /admin/roles/new", "/admin/roles/new", ok...)
		return err
	}
	if cl.chance(0.7) && len(cl.w.customRoles) > 0 {
		_, err := cl.get("GET /admin/roles/{id}", "/admin/roles/"+pick(cl.rng, cl.w.customRoles), ok...)
		return err
	}
	// A seeded role cannot be changed: its edit page says so on the list.
	a, err := cl.get("GET /admin/roles/{id} (seeded: to the list)", "/admin/roles/"+pick(cl.rng, cl.w.systemRoles), seeOther...)
	if err != nil {
		return err
	}
	_, err = cl.follow(a)
	return err
}

// readHome: the start page sends a signed-in user on to their first page.
func (cl *client) readHome() error {
	a, err := cl.get("GET /", "/", http.StatusOK, http.StatusSeeOther)
	if err != nil {
		return err
	}
	_, err = cl.follow(a)
	return err
}

// readForbidden asks for a page the permission set may not open.
func (cl *client) readForbidden() error {
	paths := []string{"/admin/fields", "/users/new", "/groups/new", "/admin/roles/new", "/members/" + pick(cl.rng, cl.w.members) + "/delete"}
	if cl.acct.role != roleTreasurer {
		paths = append(paths, "/members/new", "/members/"+pick(cl.rng, cl.w.members)+"/edit")
	}
	want := forbidden
	if cl.acct.role == roleMember {
		// Another member's pages do not exist for own_data (404), so
		// that guessing ids tells nothing.
		want = []int{http.StatusForbidden, http.StatusNotFound}
	}
	_, err := cl.get("GET (forbidden page: refused)", pick(cl.rng, paths), want...)
	return err
}

// --- writes: members -----------------------------------------------------

// editTarget is the member an editor edits: often one of a few "hot"
// members every editor edits, so that edits meet and conflict.
func (cl *client) editTarget() string {
	switch {
	case cl.chance(0.4):
		return pick(cl.rng, cl.w.hot)
	case len(cl.members) > 0 && cl.chance(0.2):
		return pick(cl.rng, cl.members)
	}
	return pick(cl.rng, cl.w.members)
}

// editMember loads the edit form, changes a few fields and custom values
// as a person would, and saves it with the version the form carried. A
// 409 (someone saved meanwhile) is expected now and then: the person
// reloads the form and saves again.
func (cl *client) editMember(id string) error {
	suffix := ""
	if id == cl.acct.memberID {
		suffix = " (own)"
	}
	for attempt := 0; attempt < 2; attempt++ {
		a, err := cl.get("GET /members/{id}/edit"+suffix, "/members/"+id+"/edit", ok...)
		if err != nil {
			return err
		}
		form, err := parseForm(a.body, "/members/"+id)
		if err != nil {
			cl.rec.sample(fmt.Sprintf("edit form of %s: %v", id, err))
			cl.rec.unexpect++
			return err
		}
		cl.changeMember(form)
		// A person takes a moment to type: long enough for two editors of
		// the same member to overlap now and then.
		time.Sleep(time.Duration(200+cl.rng.IntN(800)) * time.Millisecond)
		res, err := cl.post("POST /members/{id}"+suffix, "/members/"+id, form, http.StatusSeeOther, http.StatusConflict)
		if err != nil {
			return err
		}
		if res.status == http.StatusSeeOther {
			_, err = cl.follow(res)
			return err
		}
	}
	return nil
}

// changeMember changes the phone, the notes, sometimes the city, and the
// custom values: each set, changed or cleared.
func (cl *client) changeMember(form url.Values) {
	r := cl.rng
	form.Set("phone", fmt.Sprintf("+49 30 %07d", r.IntN(10_000_000)))
	if cl.chance(0.5) {
		form.Set("notes", fmt.Sprintf("load %s: edited by client %d at %s", cl.w.runID, cl.n, time.Now().Format(time.TimeOnly)))
	}
	if cl.chance(0.2) {
		form.Set("city", pick(r, []string{"Berlin", "München", "Köln", "Hamburg", "Görlitz", "Düsseldorf"}))
	}
	for _, f := range cl.w.fields {
		name := "cf_" + f.slug
		if !cl.chance(0.5) {
			continue
		}
		if cl.chance(0.15) {
			form.Del(name) // cleared (an unchecked box sends nothing either)
			continue
		}
		switch f.typ {
		case "integer":
			form.Set(name, strconv.Itoa(1+r.IntN(999_999)))
		case "boolean":
			if form.Has(name) {
				form.Del(name)
			} else {
				form.Set(name, "true")
			}
		case "date":
			form.Set(name, time.Date(1940+r.IntN(70), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02"))
		case "email":
			form.Set(name, fmt.Sprintf("notfall%d@example.org", r.IntN(100_000)))
		default:
			form.Set(name, pick(r, []string{"Vollbeitrag", "Ermäßigt", "Familie", "Jugend", "Ehrenmitglied"}))
		}
	}
}

func (cl *client) createMember() error {
	if _, err := cl.get("GET /members/new", "/members/new", ok...); err != nil {
		return err
	}
	cl.memberSeq++
	form := url.Values{
		"first_name": {pick(cl.rng, cl.w.firstNames)},
		"last_name":  {"Lasttest-" + pick(cl.rng, cl.w.surnames)},
		"email":      {fmt.Sprintf("m-%s-%d-%d@%s", cl.w.runID, cl.n, cl.memberSeq, loadEmailDomain)},
		"city":       {"Berlin"},
		"join_date":  {time.Now().Format("2006-01-02")},
	}
	cl.changeMember(form)
	a, err := cl.post("POST /members", "/members", form, seeOther...)
	if err != nil {
		return err
	}
	id, found := strings.CutPrefix(a.location, "/members/")
	if !found || !validate.UUID(id) {
		cl.rec.unexpected(call{group: "POST /members", method: "POST", path: "/members", want: seeOther}, a)
		return nil
	}
	cl.members = append(cl.members, id)
	cl.w.addCreated(id)
	_, err = cl.follow(a)
	return err
}

// deleteMember deletes a member this client created (never the demo's).
func (cl *client) deleteMember() error {
	if len(cl.members) == 0 {
		return cl.createMember()
	}
	i := cl.rng.IntN(len(cl.members))
	id := cl.members[i]
	if _, err := cl.get("GET /members/{id}/delete", "/members/"+id+"/delete", ok...); err != nil {
		return err
	}
	a, err := cl.post("POST /members/{id}/delete", "/members/"+id+"/delete", nil, seeOther...)
	if err != nil {
		return err
	}
	cl.members = append(cl.members[:i], cl.members[i+1:]...)
	cl.w.removeCreated(id)
	_, err = cl.follow(a)
	return err
}

// refusedWrite posts a form the permission set may not post: 403.
func (cl *client) refusedWrite() error {
	id := pick(cl.rng, cl.w.members)
	g := pick(cl.rng, cl.w.groups)
	type probe struct {
		path string
		form url.Values
	}
	probes := []probe{
		{"/groups", url.Values{"name": {"Refused " + cl.w.runID}}},
		{"/groups/" + g.Slug + "/delete", url.Values{"confirm_name": {g.Name}}},
		{"/groups/" + g.Slug, url.Values{"name": {g.Name + " x"}}},
		{"/members/groups/add", url.Values{"group": {g.Slug}, "member_id": {id}}},
		{"/members/groups/remove", url.Values{"group": {g.Slug}, "member_id": {id}}},
		{"/members/" + id + "/groups", url.Values{"group": {g.Slug}}},
		{"/members/" + id + "/delete", nil},
		{"/admin/fields", url.Values{"name": {"Refused"}, "value_type": {"string"}}},
		{"/admin/roles", url.Values{"name": {"Refused"}, "permission_set": {"admin"}}},
		{"/users", url.Values{"email": {"refused@" + loadEmailDomain}, "password_mode": {"link"}}},
	}
	if cl.acct.role != roleTreasurer {
		probes = append(probes, probe{"/members", url.Values{"first_name": {"Refused"}, "last_name": {"Refused"}}})
	}
	if cl.acct.role != roleAdmin {
		// Another member's record: own_data may only change its own.
		probes = append(probes, probe{"/members/" + id, url.Values{"first_name": {"Refused"}, "last_name": {"Refused"}, "version": {"1"}}})
	}
	p := pick(cl.rng, probes)
	if cl.acct.role == roleTreasurer && p.path == "/members/"+id {
		return nil // a treasurer may edit members
	}
	_, err := cl.post("POST (forbidden: refused)", p.path, p.form, forbidden...)
	return err
}
