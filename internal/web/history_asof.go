package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"mila/internal/membership"
)

// The as_of parameter (Stichtag) of /members, /groups and /groups/{slug}:
// YYYY-MM-DD, the day a list is about. Empty is today; a malformed value
// is today too, and the page says so (asOfMalformed).

// asOfFromURL returns the day as_of names, or zero (today).
func asOfFromURL(v url.Values) time.Time {
	t, _ := parseAsOf(v.Get("as_of"))
	return t
}

// asOfMalformed reports an as_of that is not a date Mila can use.
func asOfMalformed(v url.Values) bool {
	_, bad := parseAsOf(v.Get("as_of"))
	return bad
}

func parseAsOf(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Before(membership.MemberMinDate) || t.After(membership.MemberMaxDate) {
		return time.Time{}, true
	}
	return t, false
}

// asOfValue is the as_of field's value: "" for today.
func asOfValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// mustDate parses a date asOfValue made (always well-formed).
func mustDate(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// statsFilter is one of the statistics' filters on the overview: the
// URL parameter, its value and the message id that names it.
type statsFilter struct{ Name, Value, LabelID string }

// statsHidden lists the statistics' filters of q.
func statsHidden(q membership.MemberQuery) []statsFilter {
	var out []statsFilter
	if q.JoinYear != 0 {
		out = append(out, statsFilter{"joined", strconv.Itoa(q.JoinYear), "StatsFilter_joined"})
	}
	if q.ExitYear != 0 {
		out = append(out, statsFilter{"left", strconv.Itoa(q.ExitYear), "StatsFilter_left"})
	}
	if q.RoleID != "" {
		out = append(out, statsFilter{"role", q.RoleID, "StatsFilter_role"})
	}
	if q.Age != "" {
		out = append(out, statsFilter{"age", q.Age, "StatsFilter_age"})
	}
	return out
}
