package web

import (
	"net/http"
	"time"

	"mila/internal/authz"
	"mila/internal/club"
	"mila/internal/membership"
)

// homePage is what homeView shows: for an admin of an installation that is
// not set up yet, the first steps (ticked off as they are done); for
// everyone who reads all members, the register at a glance and this
// week's birthdays and membership anniversaries.
type homePage struct {
	Steps     *club.Progress
	Dashboard *membership.Dashboard
	ThisWeek  bool // the birthdays section is shown
	Birthdays []membership.BirthdayRow
	Jubilees  []membership.JubileeRow
	// BirthdaysMore and JubileesMore are the week's entries beyond
	// homeWeekListMax, which the full lists show.
	BirthdaysMore, JubileesMore int
}

// homeWeekListMax bounds each of the home page's lists of the week: a
// register of 100,000 has about 1,900 birthdays a week, and the home page
// is a glance, not the list (that is /members/birthdays).
const homeWeekListMax = 10

// homeShow is the start page: a welcome for visitors, the checklist and
// the dashboard for those they are meant for.
func (a *App) homeShow(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	var p homePage
	if actor.Can(authz.Settings, authz.Update) {
		steps, err := a.club.store.Progress(r.Context(), actor)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		if !steps.Done() {
			p.Steps = &steps
		}
	}
	if actor.Scope(authz.Member, authz.Read) == authz.All {
		d, err := a.members.Dashboard(r.Context(), actor, time.Now())
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		p.Dashboard = &d
	}
	if actor.Scope(authz.Member, authz.Read) == authz.All && actor.Scope(authz.CustomFieldValue, authz.Read) == authz.All {
		now := time.Now()
		b, err := a.members.Birthdays(r.Context(), actor, membership.BirthdayQuery{From: now, Days: 7})
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		p.ThisWeek, p.Birthdays = true, b.Rows
		if n := len(p.Birthdays); n > homeWeekListMax {
			p.Birthdays, p.BirthdaysMore = p.Birthdays[:homeWeekListMax], n-homeWeekListMax
		}
		js, err := a.members.JubileesBetween(r.Context(), actor, now, now.AddDate(0, 0, 6))
		if err != nil {
			a.errorResponse(w, r, err)
			return
		}
		p.Jubilees = js
		if n := len(p.Jubilees); n > homeWeekListMax {
			p.Jubilees, p.JubileesMore = p.Jubilees[:homeWeekListMax], n-homeWeekListMax
		}
	}
	a.render(w, r, http.StatusOK, pageView(homeView, p))
}
