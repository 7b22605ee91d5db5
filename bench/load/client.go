package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"mila/bench/internal/harness"
)

// Permission sets of the clients, by the role names of the seeded roles.
const (
	roleAdmin     = "admin"     // admin
	roleTreasurer = "treasurer" // normal_user
	roleBoard     = "board"     // read_only
	roleMember    = "member"    // own_data, linked to a member
)

// account is a user the clients sign in as.
type account struct {
	role     string
	email    string
	password string
	userID   string
	memberID string // own_data: the linked member
}

// client is one signed-in browser: its own cookie jar (session), its own
// random source, and its own tally of what happened (merged at the end,
// so the hot path takes no lock).
type client struct {
	n    int
	acct account
	base string
	http *http.Client
	rng  *rand.Rand
	w    *world
	rec  *recorder

	// What this client made, to edit, empty or delete later.
	members     []string     // members it created
	memberships []memberPair // memberships it added, to remove again
	bulks       []bulkAdded  // bulk additions, to remove again
	groups      []*loadGroup // groups it created (and owns)
	groupSeq    int
	memberSeq   int

	// For the progress line, read by another goroutine.
	sent, problems atomic.Int64
}

// memberPair is a membership a client added. racy: the member is one
// another client made (and may delete), or the group one the run made
// (its owner may delete it), so a 404 is a right answer too.
type memberPair struct {
	memberID, slug string
	racy           bool
}

type bulkAdded struct {
	slug string
	ids  []string
}

var sharedTransport = &http.Transport{
	MaxIdleConns:        256,
	MaxIdleConnsPerHost: 256,
	IdleConnTimeout:     90 * time.Second,
	DisableCompression:  true,
}

func newClient(n int, acct account, base string, w *world, seed uint64) *client {
	return &client{
		n: n, acct: acct, base: base, w: w,
		rng:  rand.New(rand.NewPCG(seed, uint64(n))),
		rec:  newRecorder(),
		http: harness.NewClient(sharedTransport),
	}
}

// call is one request and the answers it may get.
type call struct {
	group  string // route group in the report, e.g. "GET /members (search)"
	method string
	path   string
	form   url.Values // POST body
	htmx   bool       // sent by htmx (HX-Request: true)
	want   []int      // expected statuses
	write  bool
}

// answer is what came back.
type answer struct {
	status   int
	body     []byte
	location string
	header   http.Header
}

// errTransport marks a request that got no HTTP answer.
var errTransport = errors.New("transport error")

// do sends c, reads the whole answer and records it. An answer outside
// c.want is recorded as unexpected (and returned as an error, so the
// operation stops there).
func (cl *client) do(c call) (answer, error) {
	var body io.Reader
	if c.form != nil {
		body = strings.NewReader(c.form.Encode())
	}
	req, err := http.NewRequest(c.method, cl.base+c.path, body)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Accept-Language", "en")
	if c.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.method != http.MethodGet {
		// A same-origin form post, as the browser sends it.
		req.Header.Set("Origin", cl.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if c.htmx {
		req.Header.Set("HX-Request", "true")
	}
	began := time.Now()
	res, err := cl.http.Do(req)
	var a answer
	if err == nil {
		a.body, err = io.ReadAll(res.Body)
		res.Body.Close()
		a.status, a.header, a.location = res.StatusCode, res.Header, res.Header.Get("Location")
	}
	took := time.Since(began)
	cl.sent.Add(1)
	if err != nil {
		cl.problems.Add(1)
		cl.rec.transport(c, err)
		return a, fmt.Errorf("%w: %s %s: %v", errTransport, c.method, c.path, err)
	}
	cl.rec.add(c, a.status, took)
	if !slices.Contains(c.want, a.status) {
		cl.problems.Add(1)
		cl.rec.unexpected(c, a)
		return a, fmt.Errorf("%s %s: status %d, want %v", c.method, c.path, a.status, c.want)
	}
	return a, nil
}

// get is a GET expecting one of want.
func (cl *client) get(group, path string, want ...int) (answer, error) {
	return cl.do(call{group: group, method: http.MethodGet, path: path, want: want})
}

// post is a form POST expecting one of want.
func (cl *client) post(group, path string, form url.Values, want ...int) (answer, error) {
	if form == nil {
		form = url.Values{}
	}
	return cl.do(call{group: group, method: http.MethodPost, path: path, form: form, want: want, write: true})
}

// follow loads the page a 303 points at, as the browser does after a
// form post (it also shows, and so removes, the flash message).
func (cl *client) follow(a answer) (answer, error) { return cl.followRacy(a, false) }

// followRacy follows a redirect to a page another client may be deleting
// (racy): then 404 is a right answer too.
func (cl *client) followRacy(a answer, racy bool) (answer, error) {
	if a.status != http.StatusSeeOther || a.location == "" {
		return a, nil
	}
	loc, _, _ := strings.Cut(a.location, "#")
	if !strings.HasPrefix(loc, "/") {
		return a, fmt.Errorf("redirect to %q leaves the site", a.location)
	}
	want := []int{http.StatusOK}
	if racy {
		want = append(want, http.StatusNotFound)
	}
	return cl.get("GET (redirect after POST)", loc, want...)
}

// signIn signs the client in; the session cookie lands in its jar.
func (cl *client) signIn() error {
	a, err := cl.post("POST /sign-in", "/sign-in", url.Values{"email": {cl.acct.email}, "password": {cl.acct.password}}, http.StatusSeeOther)
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", cl.acct.email, err)
	}
	if _, err := cl.follow(a); err != nil {
		return fmt.Errorf("after signing in as %s: %w", cl.acct.email, err)
	}
	return nil
}

// pick returns a random element.
func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// chance is true with probability p.
func (cl *client) chance(p float64) bool { return cl.rng.Float64() < p }
