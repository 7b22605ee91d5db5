package web

import (
	"net/http"
	"strconv"
	"strings"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/validate"
)

// statisticsPage is what statisticsView shows.
type statisticsPage struct {
	Stats       membership.Statistics
	AsOf        string // the as_of field ("" today)
	AsOfBad     bool
	Brackets    string // as typed (or the default)
	BracketsBad bool
	// CanSetBirth: the actor may choose the birth-date field (admin).
	CanSetBirth bool
}

// statisticsShow is /statistics: numbers on a day, each a link to the
// member overview filtered to exactly those members, with a chart beside
// each table (the table stays: it is the accessible form of the chart).
func (a *App) statisticsShow(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	v := r.URL.Query()
	day := asOfFromURL(v)
	p := statisticsPage{AsOf: asOfValue(day), AsOfBad: asOfMalformed(v), CanSetBirth: actor.Can(authz.CustomField, authz.Update)}
	if day.IsZero() {
		day = membership.Today()
	}
	brackets, ok := membership.ParseAgeBrackets(truncate(v.Get("brackets"), 200))
	p.BracketsBad = !ok
	parts := make([]string, len(brackets))
	for i, b := range brackets {
		parts[i] = strconv.Itoa(b)
	}
	p.Brackets = strings.Join(parts, ",")
	var err error
	if p.Stats, err = a.history.Statistics(r.Context(), actor, day, brackets); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(statisticsView, p))
}

// statisticsBirthField marks a date field as the birth date (or none).
func (a *App) statisticsBirthField(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	err := a.history.SetBirthDateField(r.Context(), actorFrom(r), strings.TrimSpace(r.PostForm.Get("birth_field")))
	if _, bad := validate.As(err); bad {
		a.flashError(r, "StatsBirthFieldBad")
		http.Redirect(w, r, "/statistics", http.StatusSeeOther)
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "StatsBirthFieldSaved")
	http.Redirect(w, r, "/statistics", http.StatusSeeOther)
}

// statLink is the overview address of a number.
func statLink(c membership.StatCount) string { return memberListURL(c.Query) }

// chartBar is one bar of a chart.
type chartBar struct {
	Label string
	Value int
	URL   string
}

// chartBars turns counts into bars.
func chartBars(cs []membership.StatCount, label func(membership.StatCount) string) []chartBar {
	out := make([]chartBar, len(cs))
	for i, c := range cs {
		out[i] = chartBar{Label: label(c), Value: c.Count, URL: statLink(c)}
	}
	return out
}

// barWidth is the length of a bar of value in a chart whose longest is max.
func barWidth(value, max int) int {
	if max <= 0 || value <= 0 {
		return 0
	}
	return max1(value * chartBarMax / max)
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

const (
	chartBarMax    = 260 // px of the longest bar
	chartLabelW    = 150 // px for the labels
	chartRowH      = 26
	chartNumberGap = 6
)

func chartMax(bars []chartBar) int {
	m := 0
	for _, b := range bars {
		m = max(m, b.Value)
	}
	return m
}
