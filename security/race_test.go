package security

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"mila/internal/membership"
	"mila/internal/webtest"
)

// TestSignInThrottleParallel: 40 wrong passwords for one email at once
// (the way a script would try them) — at most 10 reach the password
// check, the rest are told "too many attempts" (429); the right password
// is refused afterwards too, until the failures have left the window.
func TestSignInThrottleParallel(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	const n = 40
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c := srv.Client()
			req := webtest.NewRequest(t, http.MethodPost, "/sign-in", url.Values{"email": {fx.email["admin"]}, "password": {fmt.Sprintf("wrong password %d", i)}})
			req.URL, _ = url.Parse(srv.URL + "/sign-in")
			res, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		})
	}
	close(start)
	wg.Wait()
	checked, throttled := 0, 0
	for _, code := range codes {
		switch code {
		case http.StatusUnprocessableEntity:
			checked++
		case http.StatusTooManyRequests:
			throttled++
		default:
			t.Errorf("parallel wrong password: %d", code)
		}
	}
	var failures int
	if err := srv.DB.QueryRow(ctxb(), `SELECT count(*) FROM sign_in_failures WHERE email = $1`, fx.email["admin"]).Scan(&failures); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d checked, %d throttled, %d failures recorded", checked, throttled, failures)
	if checked > 10 || failures > 10 {
		t.Errorf("%d attempts reached the password check (%d failures recorded), want at most 10", checked, failures)
	}
	if checked+throttled != n {
		t.Errorf("%d answers of %d", checked+throttled, n)
	}
	res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {fx.email["admin"]}, "password": {password}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("right password while throttled: %d (Retry-After %q), want 429", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The window passes (the failures age by 16 minutes): the right password works.
	if _, err := srv.DB.Exec(ctxb(), `UPDATE sign_in_failures SET failed_at = failed_at - interval '16 minutes'`); err != nil {
		t.Fatal(err)
	}
	if res := srv.PostForm(t, srv.Client(), "/sign-in", url.Values{"email": {fx.email["admin"]}, "password": {password}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("right password after the window: %d", res.StatusCode)
	}
	noServerErrors(t, srv)
}

// TestConcurrentMemberEdits: several volunteers open the same member's
// form and save at once. Exactly one save wins; every other gets the 409
// conflict page with their typed values and the reload hint — never a
// 500, never a silent overwrite — and the member holds the winner's data.
func TestConcurrentMemberEdits(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	const n = 8
	clients := make([]*http.Client, n)
	for i := range clients {
		who := fx.email["admin"]
		if i%2 == 1 {
			who = fx.email["normal_user"]
		}
		clients[i] = signIn(t, srv, who)
	}
	version := fx.version(fx.anna.ID)
	codes, bodies := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			form := url.Values{"first_name": {"Anna"}, "last_name": {fmt.Sprintf("Editor%d", i)}, "email": {"anna@example.org"},
				"version": {fmt.Sprint(version)}, fx.cf("string"): {fmt.Sprintf("value %d", i)}}
			req := webtest.NewRequest(t, http.MethodPost, "/members/"+fx.anna.ID, form)
			req.URL, _ = url.Parse(srv.URL + "/members/" + fx.anna.ID)
			res, err := clients[i].Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			codes[i], bodies[i] = res.StatusCode, readAll(res)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, code := range codes {
		switch code {
		case http.StatusSeeOther:
			if winner >= 0 {
				t.Errorf("two saves won: %d and %d", winner, i)
			}
			winner = i
		case http.StatusConflict:
			if !strings.Contains(bodies[i], `id="member-conflict"`) || !strings.Contains(bodies[i], fmt.Sprintf("Editor%d", i)) {
				t.Errorf("editor %d: 409 without the conflict message and the typed values", i)
			}
		default:
			t.Errorf("editor %d: %d", i, code)
		}
	}
	if winner < 0 {
		t.Fatal("no save won")
	}
	m, err := membership.NewMembers(srv.DB).Get(ctxb(), fx.admin, fx.anna.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.LastName != fmt.Sprintf("Editor%d", winner) || m.Custom[fx.slug("string")] != fmt.Sprintf("value %d", winner) || m.Version != version+1 {
		t.Errorf("after the race: %s, %q, version %d; want the winner %d's values at version %d", m.LastName, m.Custom[fx.slug("string")], m.Version, winner, version+1)
	}
	noServerErrors(t, srv)
}

// TestMembershipRaceWithMemberDeleteHTTP: admins add and remove
// memberships — one by one on the member page, in bulk from the overview
// and with the group's picker — while others delete those members. No
// request fails with a 500, and afterwards no membership points at a
// deleted member and every denormalised count agrees
// (membership.CheckGroupConsistency).
func TestMembershipRaceWithMemberDeleteHTTP(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	const members, workers = 12, 6
	var ids []string
	for i := range members {
		m := fx.member(membership.MemberInput{FirstName: "Race", LastName: fmt.Sprintf("R%02d", i)})
		ids = append(ids, m.ID)
	}
	groups := []string{fx.chor.Slug, fx.band.Slug, fx.group("Orchester").Slug}
	clients := make([]*http.Client, workers+1)
	for i := range clients {
		clients[i] = signIn(t, srv, fx.email["admin"])
	}
	type result struct {
		what string
		code int
	}
	results := make(chan result, 4096)
	var wg sync.WaitGroup
	start := make(chan struct{})
	post := func(c *http.Client, path string, form url.Values, header ...string) {
		req := webtest.NewRequest(t, http.MethodPost, path, form, header...)
		req.URL, _ = url.Parse(srv.URL + path)
		res, err := c.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		readAll(res)
		res.Body.Close()
		results <- result{path, res.StatusCode}
	}
	for w := range workers {
		c := clients[w]
		wg.Go(func() {
			<-start
			for round := range 4 {
				for j, id := range ids {
					g := groups[(w+j+round)%len(groups)]
					switch (w + j + round) % 5 {
					case 0:
						post(c, "/members/"+id+"/groups", url.Values{"group": {g}})
					case 1:
						post(c, "/members/"+id+"/groups/"+g+"/remove", url.Values{}, "HX-Request", "true")
					case 2:
						post(c, "/members/groups/add", url.Values{"member_id": ids[j:min(j+4, len(ids))], "group": {g}, "return_to": {"/members"}})
					case 3:
						post(c, "/groups/"+g+"/members", url.Values{"member_id": {id, ids[(j+1)%len(ids)]}})
					case 4:
						post(c, "/members/groups/remove", url.Values{"member_id": ids[j:min(j+3, len(ids))], "group": {g}, "return_to": {"/members"}})
					}
				}
			}
		})
	}
	deleter := clients[workers]
	wg.Go(func() {
		<-start
		// Every other member goes, while the workers are at it.
		for i := len(ids) - 1; i >= 0; i -= 2 {
			post(deleter, "/members/"+ids[i]+"/delete", url.Values{})
		}
	})
	close(start)
	wg.Wait()
	close(results)
	count := 0
	for r := range results {
		count++
		if r.code >= 500 {
			t.Errorf("POST %s: %d", r.what, r.code)
		}
	}
	if err := membership.CheckGroupConsistency(ctxb(), srv.DB); err != nil {
		t.Errorf("after the race: %v", err)
	}
	var deleted, orphans int
	if err := srv.DB.QueryRow(ctxb(), `SELECT count(*) FROM unnest($1::uuid[]) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = x.id)`, ids).Scan(&deleted); err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.QueryRow(ctxb(), `SELECT count(*) FROM member_groups mg WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = mg.member_id)
		OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = mg.group_id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if deleted != members/2 || orphans != 0 {
		t.Errorf("%d of %d members deleted (want %d), %d orphan memberships", deleted, members, members/2, orphans)
	}
	t.Logf("%d racing requests", count)
	noServerErrors(t, srv)
}

func readAll(res *http.Response) string {
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}
