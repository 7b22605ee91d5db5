package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mila/internal/membership"
)

// TestBirthdayPages: the birthday list of the next days with the age
// and round birthdays, its export, a bad parameter next to its field
// (400, German), the jubilee list, and "this week" on the home page.
func TestBirthdayPages(t *testing.T) {
	w := newGroupWorld(t)
	ctx := context.Background()
	admin := w.adminActor()
	body := memberTestGet(t, w.srv, w.board, "/members/birthdays", http.StatusOK)
	mustContain(t, body, "No data field is marked as the birth date yet")

	f, err := membership.NewCustomFields(w.srv.DB).Create(ctx, admin, membership.CustomFieldInput{Name: "Geburtsdatum", ValueType: membership.CustomFieldDate, BirthDate: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now()
	in3 := today.AddDate(0, 0, 3)
	born := time.Date(in3.Year()-40, in3.Month(), in3.Day(), 0, 0, 0, 0, time.UTC)
	if in3.Month() == time.February && in3.Day() == 29 {
		born = born.AddDate(0, 0, 1)
	}
	joinDay := today.AddDate(-25, 0, 2)
	joined := joinDay.Format("2006-01-02")
	if _, err := membership.NewMembers(w.srv.DB).Create(ctx, admin, membership.MemberInput{FirstName: "Jürgen", LastName: "Vierzig",
		JoinDate: joined, Custom: map[string]string{f.Slug: born.Format("2006-01-02")}}); err != nil {
		t.Fatal(err)
	}
	body = memberTestGet(t, w.srv, w.board, "/members/birthdays?days=7", http.StatusOK, "Accept-Language", "de")
	mustContain(t, body, "Vierzig, Jürgen", ">rund<", "1 Geburtstag", "format=xlsx")
	res, xb := exportGet(t, w.srv, w.board, "/members/birthdays?days=7&format=xlsx", http.StatusOK, "Accept-Language", "de")
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=geburtstage-") {
		t.Errorf("Content-Disposition %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("Geburtstage")
	if len(rows) != 2 || rows[1][1] != "Vierzig" || rows[1][3] != "40" || rows[1][4] != "TRUE" {
		t.Errorf("birthday XLSX %q", rows)
	}
	x.Close()

	body = memberTestGet(t, w.srv, w.board, "/members/birthdays?days=400&month=13", http.StatusBadRequest, "Accept-Language", "de")
	mustContain(t, body, "Geben Sie eine ganze Zahl von 1 bis 366 ein.", "Geben Sie eine ganze Zahl von 1 bis 12 ein.", `aria-invalid="true"`)
	memberTestGet(t, w.srv, w.ownData, "/members/birthdays", http.StatusForbidden)

	body = memberTestGet(t, w.srv, w.board, fmt.Sprintf("/members/jubilees?year=%d", joinDay.Year()+25), http.StatusOK)
	mustContain(t, body, "Vierzig, Jürgen", ">25<")
	memberTestGet(t, w.srv, w.board, "/members/jubilees?year=abc", http.StatusBadRequest)

	home := memberTestGet(t, w.srv, w.board, "/", http.StatusOK)
	mustContain(t, home, "This week", "Jürgen Vierzig", "(40)")
	if home := memberTestGet(t, w.srv, w.ownData, "/", http.StatusOK); strings.Contains(home, "Vierzig") {
		t.Error("own_data's home page shows other members' birthdays")
	}
	if strings.Contains(home, "more birthday") {
		t.Error("one birthday: no 'more' link")
	}

	// The home page shows the first ten of the week and links to the rest.
	for i := range 11 {
		if _, err := membership.NewMembers(w.srv.DB).Create(ctx, admin, membership.MemberInput{FirstName: fmt.Sprintf("Kind%02d", i), LastName: "Woche",
			JoinDate: "2020-01-01", Custom: map[string]string{f.Slug: born.AddDate(i, 0, 0).Format("2006-01-02")}}); err != nil {
			t.Fatal(err)
		}
	}
	home = memberTestGet(t, w.srv, w.board, "/", http.StatusOK, "Accept-Language", "de")
	mustContain(t, home, "und 2 weitere Geburtstage in dieser Woche", `href="/members/birthdays?days=7"`)
	week := home[strings.Index(home, `id="home-week-title"`):]
	week = week[:strings.Index(week, "</section>")]
	if n := strings.Count(week, `href="/members/0`); n != 10+1 { // ten birthdays, one anniversary
		t.Errorf("this week links %d members, want 10 birthdays and 1 anniversary", n)
	}
}
