package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mila/bench/internal/harness"
)

// benchPage is one measured request.
type benchPage struct {
	name string // as printed
	path string // with query
}

// benchPages are the pages measured — every overview, search and group
// page a club uses daily — with the parameters of the data set.
func benchPages(p benchParams, only string) []benchPage {
	q := url.QueryEscape
	asOf := time.Now().AddDate(-2, 0, 0).Format(time.DateOnly)
	all := []benchPage{
		{"/ (home dashboard)", "/"},
		{"/members (default)", "/members"},
		{"/members?page=1500", "/members?page=1500"},
		{"?q=" + p.CommonSurname + " (common surname)", "/members?q=" + q(p.CommonSurname)},
		{"?q=" + p.Misspelled + " (misspelled)", "/members?q=" + q(p.Misspelled)},
		{"?q=" + p.Transposed + " (letters swapped)", "/members?q=" + q(p.Transposed)},
		{"?q=" + p.Mid.Name + " (group name)", "/members?q=" + q(p.Mid.Name)},
		{"?q=" + p.Prefix + " (3-letter prefix)", "/members?q=" + q(p.Prefix)},
		{"?group=" + p.Largest.Slug + " (largest)", "/members?group=" + q(p.Largest.Slug)},
		{"?group=" + p.Small.Slug + " (small)", "/members?group=" + q(p.Small.Slug)},
		{"?group=none", "/members?group=none"},
		{"?sort=groups", "/members?sort=groups"},
		{"?sort=group_count&dir=desc", "/members?sort=group_count&dir=desc"},
		{"?sort=groups&group=largest&q=" + p.CommonSurname, "/members?sort=groups&group=" + q(p.Largest.Slug) + "&q=" + q(p.CommonSurname)},
		{"?sort=group_count&group=largest&q=" + p.Prefix, "/members?sort=group_count&dir=desc&group=" + q(p.Largest.Slug) + "&q=" + q(p.Prefix)},
		{"saved list, 12 columns", p.SavedList},
		{"/groups", "/groups"},
		{"/groups/" + p.Largest.Slug, "/groups/" + p.Largest.Slug},
		{"/members/{id}", "/members/" + p.MemberID},
		// As of a day (Stichtag, two years ago): periods and dated memberships.
		{"/members?as_of", "/members?as_of=" + asOf},
		{"?as_of&group=" + p.Largest.Slug + " (largest)", "/members?as_of=" + asOf + "&group=" + q(p.Largest.Slug)},
		{"?as_of&sort=groups", "/members?as_of=" + asOf + "&sort=groups"},
		{"?as_of&status=former", "/members?as_of=" + asOf + "&status=former"},
		{"/groups?as_of", "/groups?as_of=" + asOf},
		{"/groups/" + p.Largest.Slug + "?as_of", "/groups/" + p.Largest.Slug + "?as_of=" + asOf},
		{"/groups/" + p.Largest.Slug + "?show=all", "/groups/" + p.Largest.Slug + "?show=all&hsort=since"},
		{"/statistics", "/statistics"},
		{"/statistics?as_of", "/statistics?as_of=" + asOf},
	}
	var out []benchPage
	for _, pg := range all {
		if pg.path == "" {
			continue // the saved list, before it is saved
		}
		if pageMatches(pg, only) {
			out = append(out, pg)
		}
	}
	return out
}

// pageMatches reports whether the page's name or path contains only, or
// one of its alternatives separated by "|" ("as_of|statistics"); "" is
// every page.
func pageMatches(pg benchPage, only string) bool {
	if only == "" {
		return true
	}
	for _, alt := range strings.Split(only, "|") {
		if alt != "" && (strings.Contains(pg.name, alt) || strings.Contains(pg.path, alt)) {
			return true
		}
	}
	return false
}

// pageResult is what was measured for one page.
type pageResult struct {
	page           benchPage
	bytes          int
	p50, p95       time.Duration
	rps            float64
	sqlP50, sqlP95 time.Duration
	statements     int
	rssMax         int64
}

func measurePage(ctx context.Context, c config, m *milaProc, db *benchDB, p benchPage, stmts []statement) (pageResult, error) {
	r := pageResult{page: p, statements: len(stmts)}
	for range c.warmup {
		n, err := m.get(p.path, http.StatusOK)
		if err != nil {
			return r, err
		}
		r.bytes = n
	}
	lat := make([]time.Duration, 0, c.requests)
	for range c.requests {
		t := time.Now()
		if _, err := m.get(p.path, http.StatusOK); err != nil {
			return r, err
		}
		lat = append(lat, time.Since(t))
	}
	r.p50, r.p95 = harness.Percentile(lat, 50), harness.Percentile(lat, 95)

	// Throughput: c clients in a loop for the duration, each request
	// complete (body read) before the next.
	var done atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	rssDone := make(chan int64, 1)
	go func() { rssDone <- m.SampleRSS(20*time.Millisecond, stop) }()
	deadline := time.Now().Add(c.duration)
	began := time.Now()
	var wg sync.WaitGroup
	for range c.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if _, err := m.get(p.path, http.StatusOK); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	close(stop)
	r.rssMax = <-rssDone
	if err, _ := firstErr.Load().(error); err != nil {
		return r, err
	}
	r.rps = float64(done.Load()) / elapsed.Seconds()

	var err error
	r.sqlP50, r.sqlP95, err = replay(ctx, db.url, stmts, c.warmup, c.requests)
	if err != nil {
		return r, fmt.Errorf("SQL floor: %w", err)
	}
	return r, nil
}
