package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// recorder is one client's tally; merge adds them up at the end.
type recorder struct {
	routes     map[string]*routeStat
	statuses   map[int]int
	reads      int // requests by method
	writes     int
	errors     int      // transport errors
	unexpect   int      // answers outside the expected ones
	samples    []string // the first few transport errors and unexpected answers
	ops        map[string]int
	opsWrite   int // operations that write
	opsRead    int
	conflicts  int // 409 on a member edit (expected, counted)
	serverErrs int // 5xx
}

type routeStat struct {
	lat      []time.Duration
	statuses map[int]int
}

const maxSamples = 30

func newRecorder() *recorder {
	return &recorder{routes: map[string]*routeStat{}, statuses: map[int]int{}, ops: map[string]int{}}
}

func (r *recorder) route(name string) *routeStat {
	s := r.routes[name]
	if s == nil {
		s = &routeStat{statuses: map[int]int{}}
		r.routes[name] = s
	}
	return s
}

func (r *recorder) add(c call, status int, took time.Duration) {
	s := r.route(c.group)
	s.lat = append(s.lat, took)
	s.statuses[status]++
	r.statuses[status]++
	if c.method == "GET" {
		r.reads++
	} else {
		r.writes++
	}
	if status >= 500 {
		r.serverErrs++
	}
	if status == 409 {
		r.conflicts++
	}
}

func (r *recorder) transport(c call, err error) {
	r.errors++
	r.route(c.group).statuses[0]++
	r.sample(fmt.Sprintf("transport error: %s %s: %v", c.method, c.path, err))
}

func (r *recorder) unexpected(c call, a answer) {
	r.unexpect++
	r.sample(fmt.Sprintf("unexpected %d (want %v): %s %s%s (request id %s)%s", a.status, c.want, c.method, c.path,
		htmxMark(c.htmx), a.header.Get("X-Request-Id"), bodyHint(a.body)))
}

func (r *recorder) sample(s string) {
	if len(r.samples) < maxSamples {
		r.samples = append(r.samples, s)
	}
}

func (r *recorder) op(name string, write bool) {
	r.ops[name]++
	if write {
		r.opsWrite++
	} else {
		r.opsRead++
	}
}

func (r *recorder) merge(o *recorder) {
	for name, s := range o.routes {
		t := r.route(name)
		t.lat = append(t.lat, s.lat...)
		for k, v := range s.statuses {
			t.statuses[k] += v
		}
	}
	for k, v := range o.statuses {
		r.statuses[k] += v
	}
	for k, v := range o.ops {
		r.ops[k] += v
	}
	r.reads += o.reads
	r.writes += o.writes
	r.errors += o.errors
	r.unexpect += o.unexpect
	r.opsWrite += o.opsWrite
	r.opsRead += o.opsRead
	r.conflicts += o.conflicts
	r.serverErrs += o.serverErrs
	for _, s := range o.samples {
		r.sample(s)
	}
}

func (r *recorder) total() int { return r.reads + r.writes }

func (r *recorder) routeNames() []string { return slices.Sorted(maps.Keys(r.routes)) }

func htmxMark(h bool) string {
	if h {
		return " [htmx]"
	}
	return ""
}

// bodyHint is a short text of an error page: its title, or the start.
func bodyHint(b []byte) string {
	s := string(b)
	if i := strings.Index(s, "<title>"); i >= 0 {
		if j := strings.Index(s[i:], "</title>"); j > 0 {
			return ": " + strings.TrimSpace(s[i+7:i+j])
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	if s == "" {
		return ""
	}
	return ": " + s
}
