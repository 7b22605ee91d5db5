package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/export"
	"mila/internal/membership"
)

// birthdayPage is what birthdayView shows.
type birthdayPage struct {
	Form        *Form // days, month, year as typed, with errors
	List        membership.BirthdayList
	ByMonth     bool
	ExportLinks []exportLink
	CanFields   bool // may mark a field as the birth date (admin)
	Months      []option
}

// jubileePage is what jubileeView shows.
type jubileePage struct {
	Form        *Form
	Year        int
	Rows        []membership.JubileeRow
	ExportLinks []exportLink
}

// birthdayLabels name the birthday form's fields in the error summary.
var birthdayLabels = map[string]string{"days": "BirthdaysDays", "month": "BirthdaysMonth", "year": "BirthdaysYear"}

// birthdayParams reads and checks the birthday list's parameters: days
// (1–366), or month (1–12) with an optional year. Errors go next to the
// fields.
func birthdayParams(v url.Values, now time.Time) (membership.BirthdayQuery, *Form) {
	f := newForm(url.Values{"days": {v.Get("days")}, "month": {v.Get("month")}, "year": {v.Get("year")}})
	q := membership.BirthdayQuery{From: now, Days: membership.BirthdayDaysDefault}
	num := func(field string, min, max int) int {
		s := strings.TrimSpace(v.Get(field))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < min || n > max {
			f.Add(field, birthdayLabels[field], "ErrBirthdayRange", "Min", min, "Max", max)
			return 0
		}
		return n
	}
	if d := num("days", 1, membership.BirthdayDaysMax); d > 0 {
		q.Days = d
	}
	q.Month = num("month", 1, 12)
	q.Year = num("year", 1900, 2999)
	if q.Year == 0 {
		q.Year = now.Year()
	}
	if q.Month == 0 && f.Values.Get("days") == "" {
		f.Values.Set("days", strconv.Itoa(q.Days))
	}
	return q, f
}

// birthdayList shows the birthdays of the next days or of a month, or
// exports them (format=csv|xlsx|pdf).
func (a *App) birthdayList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	now := time.Now()
	q, f := birthdayParams(r.URL.Query(), now)
	status := http.StatusOK
	if len(f.Errors) > 0 {
		status = http.StatusBadRequest
		q = membership.BirthdayQuery{From: now, Days: membership.BirthdayDaysDefault}
	}
	list, err := a.members.Birthdays(r.Context(), actor, q)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if _, ok := exportFormats[format]; ok && status == http.StatusOK {
		a.sendBirthdays(w, r, list, format, now)
		return
	}
	p := birthdayPage{Form: f, List: list, ByMonth: q.Month > 0, CanFields: actor.Can(authz.CustomField, authz.Update)}
	for m := 1; m <= 12; m++ {
		p.Months = append(p.Months, option{Value: strconv.Itoa(m), Label: monthName(a.langOf(r), time.Month(m))})
	}
	if status == http.StatusOK && list.Field != nil {
		base := r.URL.Query()
		base.Del("format")
		p.ExportLinks = exportLinks(func(fm string) string {
			v := url.Values{}
			for k, vs := range base {
				v[k] = vs
			}
			v.Set("format", fm)
			return "/members/birthdays?" + v.Encode()
		})
	}
	a.render(w, r, status, pageView(birthdayView, p))
}

// jubileeList shows (or exports) the members reaching 10, 25, 40, 50 or
// 60 years of membership in a year (default this year).
func (a *App) jubileeList(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	v := r.URL.Query()
	f := newForm(url.Values{"year": {v.Get("year")}})
	year, status := now.Year(), http.StatusOK
	if s := strings.TrimSpace(v.Get("year")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1900 || n > 2999 {
			f.Add("year", "BirthdaysYear", "ErrBirthdayRange", "Min", 1900, "Max", 2999)
			status = http.StatusBadRequest
		} else {
			year = n
		}
	}
	f.Values.Set("year", strconv.Itoa(year))
	if status != http.StatusOK {
		f.Values.Set("year", v.Get("year"))
	}
	rows, err := a.members.Jubilees(r.Context(), actorFrom(r), year)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	format := v.Get("format")
	if _, ok := exportFormats[format]; ok && status == http.StatusOK {
		a.sendJubilees(w, r, year, rows, format, now)
		return
	}
	p := jubileePage{Form: f, Year: year, Rows: rows}
	if status == http.StatusOK {
		p.ExportLinks = exportLinks(func(fm string) string {
			return "/members/jubilees?year=" + strconv.Itoa(year) + "&format=" + fm
		})
	}
	a.render(w, r, status, pageView(jubileeView, p))
}

// sendBirthdays writes the birthday list as a file.
func (a *App) sendBirthdays(w http.ResponseWriter, r *http.Request, l membership.BirthdayList, format string, now time.Time) {
	lang := a.langOf(r)
	t := a.listTable(r, now, a.T(r, "BirthdaysTitle"), a.T(r, "BirthdaysSpan", "From", formatDate(lang, l.From), "To", formatDate(lang, l.To)),
		[]export.Column{{Label: a.T(r, "BirthdaysColDate"), Kind: membership.KindDate}, {Label: a.T(r, "MemberFieldLastName")},
			{Label: a.T(r, "MemberFieldFirstName")}, {Label: a.T(r, "BirthdaysColAge"), Kind: membership.KindInt},
			{Label: a.T(r, "BirthdaysColRound"), Kind: membership.KindBool}, {Label: l.Field.Name, Kind: membership.KindDate}})
	a.sendRows(w, r, t, format, a.T(r, "BirthdaysFile")+"-"+export.FileDate(l.From)+"-"+export.FileDate(l.To), func(fn func([]any) error) error {
		for _, b := range l.Rows {
			if err := fn([]any{b.Date, b.LastName, b.FirstName, int64(b.Age), b.Round, b.Born}); err != nil {
				return err
			}
		}
		return nil
	})
}

// sendJubilees writes the jubilee list as a file.
func (a *App) sendJubilees(w http.ResponseWriter, r *http.Request, year int, rows []membership.JubileeRow, format string, now time.Time) {
	t := a.listTable(r, now, a.T(r, "JubileesTitleYear", "Year", year), a.T(r, "JubileesIntro"),
		[]export.Column{{Label: a.T(r, "JubileesColDate"), Kind: membership.KindDate}, {Label: a.T(r, "MemberFieldLastName")},
			{Label: a.T(r, "MemberFieldFirstName")}, {Label: a.T(r, "JubileesColYears"), Kind: membership.KindInt},
			{Label: a.T(r, "MemberFieldJoinDate"), Kind: membership.KindDate}})
	a.sendRows(w, r, t, format, a.T(r, "JubileesFile")+"-"+strconv.Itoa(year)+"-"+export.FileDate(now), func(fn func([]any) error) error {
		for _, j := range rows {
			if err := fn([]any{j.Date, j.LastName, j.FirstName, int64(j.Years), j.Since}); err != nil {
				return err
			}
		}
		return nil
	})
}

// listTable is an export table of the viewer's language.
func (a *App) listTable(r *http.Request, now time.Time, title, filter string, cols []export.Column) export.Table {
	lang := a.langOf(r)
	return export.Table{
		Lang: lang, Title: title, Filter: filter, AsOf: now, Columns: cols, Sheet: title,
		Yes: a.T(r, "MemberYes"), No: a.T(r, "MemberNo"),
		AsOfText: a.T(r, "ExportAsOf", "Date", formatDate(lang, now)),
		PageText: func(x, y string) string { return a.T(r, "ExportPageOf", "Page", x, "Pages", y) },
		DateText: func(d time.Time) string { return formatDate(lang, d) },
	}
}

// sendRows writes rows (already in memory: a birthday or jubilee list is
// short) as a file named base.format.
func (a *App) sendRows(w http.ResponseWriter, r *http.Request, t export.Table, format, base string, rows export.Rows) {
	f := exportFormats[format]
	if len([]rune(t.Sheet)) > 31 { // Excel's limit for sheet names
		t.Sheet = string([]rune(t.Sheet)[:31])
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Content-Disposition", "attachment; filename="+base+"."+format)
	w.Header().Set("Cache-Control", "no-store")
	cw := &countingWriter{w: w}
	if err := f.write(cw, t, rows); err != nil {
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			a.errorResponse(w, r, err)
			return
		}
		if !errors.Is(err, context.Canceled) { // the client gave up: nothing failed
			a.log.Error("export failed", "err", err, "path", r.URL.Path, "request_id", requestID(r))
		}
		panic(http.ErrAbortHandler)
	}
}

// monthName is a month in the viewer's language.
func monthName(lang string, m time.Month) string {
	if lang == "de" {
		return [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}[m-1]
	}
	return m.String()
}
