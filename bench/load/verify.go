package main

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/bench/internal/harness"
	"mila/internal/membership"
)

// check is one assertion of the run.
type check struct {
	name   string
	ok     bool
	detail string
}

// dataCounts are the register's sizes, before and after the run.
type dataCounts struct {
	members, groups, memberships, values, users int
}

func counts(ctx context.Context, db *pgxpool.Pool) (dataCounts, error) {
	var c dataCounts
	err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM groups),
		(SELECT count(*) FROM member_groups), (SELECT count(*) FROM custom_field_values), (SELECT count(*) FROM users)`).
		Scan(&c.members, &c.groups, &c.memberships, &c.values, &c.users)
	return c, err
}

// verify runs the checks after the clients have stopped: what the
// clients saw, then the data against counts recomputed from scratch.
func verify(ctx context.Context, m *harness.Server, db *pgxpool.Pool, w *world, st runStats) []check {
	r := st.rec
	out := []check{
		{name: "no 5xx answer", ok: r.serverErrs == 0, detail: fmt.Sprintf("%d", r.serverErrs)},
		{name: "no transport error", ok: r.errors == 0, detail: fmt.Sprintf("%d", r.errors)},
		{name: "every answer as expected (409 on concurrent member edits counts as expected)", ok: r.unexpect == 0, detail: fmt.Sprintf("%d unexpected", r.unexpect)},
	}
	if err := membership.CheckGroupConsistency(ctx, db); err != nil {
		out = append(out, check{name: "membership.CheckGroupConsistency", detail: err.Error()})
	} else {
		out = append(out, check{name: "membership.CheckGroupConsistency", ok: true, detail: "every group_count, first_group_key, group_words and member_count equals a recount"})
	}

	// A fresh admin session reads the pages, as a person would.
	admin := newClient(-2, w.accounts[0], m.Base, w, 0)
	if err := admin.signIn(); err != nil {
		return append(out, check{name: "sign in for the checks", detail: err.Error()})
	}
	out = append(out, checkGroupsPage(ctx, admin, db))
	out = append(out, checkMemberTotals(ctx, admin, db, w)...)
	if err := admin.rec.problem(); err != nil {
		out = append(out, check{name: "the check requests", detail: err.Error()})
	}
	return out
}

// checkGroupsPage compares every member count on /groups with a count of
// member_groups from scratch, and the set of groups with the table.
func checkGroupsPage(ctx context.Context, admin *client, db *pgxpool.Pool) check {
	c := check{name: "/groups: every member count equals SELECT count(*) FROM member_groups GROUP BY group_id"}
	a, err := admin.get("check", "/groups", ok...)
	if err != nil {
		c.detail = err.Error()
		return c
	}
	shown := parseGroupCounts(a.body)
	rows, err := db.Query(ctx, `SELECT g.slug, (SELECT count(*) FROM member_groups mg WHERE mg.group_id = g.id) FROM groups g`)
	if err != nil {
		c.detail = err.Error()
		return c
	}
	want := map[string]int{}
	for rows.Next() {
		var slug string
		var n int
		if err := rows.Scan(&slug, &n); err != nil {
			c.detail = err.Error()
			return c
		}
		want[slug] = n
	}
	if err := rows.Err(); err != nil {
		c.detail = err.Error()
		return c
	}
	var bad []string
	for slug, n := range want {
		got, found := shown[slug]
		switch {
		case !found:
			bad = append(bad, fmt.Sprintf("%s missing from the page", slug))
		case got != n:
			bad = append(bad, fmt.Sprintf("%s shows %d, has %d", slug, got, n))
		}
	}
	for slug := range shown {
		if _, found := want[slug]; !found {
			bad = append(bad, fmt.Sprintf("%s shown but not in the database", slug))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		c.detail = fmt.Sprintf("%d of %d groups differ: %s", len(bad), len(want), strings.Join(bad[:min(len(bad), 10)], "; "))
		return c
	}
	total := 0
	for _, n := range want {
		total += n
	}
	c.ok, c.detail = true, fmt.Sprintf("%d groups, %d memberships", len(want), total)
	return c
}

// checkMemberTotals compares the /members total of several filters with
// a count from scratch (member_groups and exit dates, not the
// denormalised columns). Far past the last page the overview counts
// exactly even where it would otherwise show an estimate.
func checkMemberTotals(ctx context.Context, admin *client, db *pgxpool.Pool, w *world) []check {
	const active = `(m.exit_date IS NULL OR m.exit_date > current_date)`
	const former = `m.exit_date <= current_date`
	inGroup := func(slug string) string {
		return `EXISTS (SELECT 1 FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE mg.member_id = m.id AND g.slug = ` + quote(slug) + `)`
	}
	noGroup := `NOT EXISTS (SELECT 1 FROM member_groups mg WHERE mg.member_id = m.id)`
	cases := []struct{ query, where string }{
		{"status=all", `true`},
		{"", active},
		{"status=former", former},
		{"status=all&group=none", noGroup},
		{"group=none", active + " AND " + noGroup},
		{"status=all&group=" + url.QueryEscape(w.largest.Slug), inGroup(w.largest.Slug)},
		{"group=" + url.QueryEscape(w.mid.Slug), active + " AND " + inGroup(w.mid.Slug)},
		{"status=former&group=" + url.QueryEscape(w.small.Slug), former + " AND " + inGroup(w.small.Slug)},
		{"status=all&group=" + url.QueryEscape(w.small.Slug), inGroup(w.small.Slug)},
	}
	var out []check
	for _, k := range cases {
		for _, page := range []string{"", "999999"} {
			path := "/members?" + k.query
			if page != "" {
				path += "&page=" + page
			}
			path = strings.TrimSuffix(strings.Replace(path, "?&", "?", 1), "?")
			c := check{name: "/members total of " + path + " equals a count from scratch"}
			var want int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM members m WHERE `+k.where).Scan(&want); err != nil {
				c.detail = err.Error()
				out = append(out, c)
				continue
			}
			a, err := admin.get("check", path, ok...)
			if err != nil {
				c.detail = err.Error()
				out = append(out, c)
				continue
			}
			got, about, err := parseMemberCount(a.body)
			switch {
			case err != nil:
				c.detail = err.Error()
			case about && page == "":
				// An estimate on the first page is by design (above
				// MemberCountExactMax); the page past the end counts.
				c.ok, c.detail = true, fmt.Sprintf("about %d shown (an estimate by design), %d counted", got, want)
				c.name = "/members total of " + path + " is an estimate near a count from scratch"
				if want <= membership.MemberCountExactMax || float64(got) < 0.5*float64(want) || float64(got) > 1.5*float64(want) {
					c.ok = false
				}
			case about:
				c.detail = fmt.Sprintf("shows about %d on the page past the end; %d counted", got, want)
			case got != want:
				c.detail = fmt.Sprintf("shows %d; %d counted", got, want)
			default:
				c.ok, c.detail = true, fmt.Sprintf("%d", got)
			}
			out = append(out, c)
		}
	}
	return out
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// problem is an error when the client met any unexpected answer.
func (r *recorder) problem() error {
	if r.errors == 0 && r.unexpect == 0 && r.serverErrs == 0 {
		return nil
	}
	return fmt.Errorf("%d transport errors, %d unexpected answers, %d 5xx: %s", r.errors, r.unexpect, r.serverErrs, strings.Join(r.samples, "; "))
}

// logSummary is what the server's log says.
type logSummary struct {
	lines, requests, errors, warns, panics int
	errorLines                             []string
	warnMsgs                               map[string]int
}

// scanLog reads the log of mila serve: no line at level ERROR, no panic.
func scanLog(path string) (check, logSummary) {
	c := check{name: "no log line at level ERROR and no panic in the server's log"}
	s := logSummary{warnMsgs: map[string]int{}}
	f, err := os.Open(path)
	if err != nil {
		c.detail = err.Error()
		return c, s
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		s.lines++
		switch {
		case strings.Contains(line, "level=ERROR"):
			s.errors++
			if len(s.errorLines) < 10 {
				s.errorLines = append(s.errorLines, line)
			}
		case strings.Contains(line, "level=WARN"):
			s.warns++
			s.warnMsgs[logMsg(line)]++
		}
		if strings.Contains(line, "msg=request ") {
			s.requests++
		}
		if strings.Contains(strings.ToLower(line), "panic") {
			s.panics++
			if len(s.errorLines) < 10 {
				s.errorLines = append(s.errorLines, line)
			}
		}
	}
	if err := sc.Err(); err != nil {
		c.detail = err.Error()
		return c, s
	}
	c.ok = s.errors == 0 && s.panics == 0
	c.detail = fmt.Sprintf("%d lines (%d request lines), %d ERROR, %d WARN, %d mentioning a panic", s.lines, s.requests, s.errors, s.warns, s.panics)
	if !c.ok {
		c.detail += ": " + strings.Join(s.errorLines, " | ")
	}
	return c, s
}

// logMsg is the msg of a text log line.
func logMsg(line string) string {
	i := strings.Index(line, "msg=")
	if i < 0 {
		return line
	}
	rest := line[i+4:]
	if strings.HasPrefix(rest, `"`) {
		if j := strings.Index(rest[1:], `"`); j >= 0 {
			return rest[1 : j+1]
		}
	}
	if j := strings.IndexByte(rest, ' '); j >= 0 {
		return rest[:j]
	}
	return rest
}
