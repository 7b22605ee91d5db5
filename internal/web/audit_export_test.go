package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
)

// /admin/audit exports its view like any list: the same filters, all
// pages, as CSV for the viewer's spreadsheet (German: BOM, ";", dd.mm.yyyy)
// and as XLSX with typed cells; only who may read the trail gets it.
func TestAuditExport(t *testing.T) {
	srv, users, admin := memberTestSetup(t)
	ctx := pg.WithActor(context.Background(), pg.Actor{Label: "=export test"})
	m := memberTestAdd(t, srv, users[authz.Admin].Actor, membership.MemberInput{FirstName: "Ella", LastName: "Export", JoinDate: "2020-01-01", City: "Kiel"})
	if _, err := pg.Exec(ctx, srv.DB, `UPDATE members SET city = 'Husum' WHERE id = $1`, m.ID); err != nil {
		t.Fatal(err)
	}
	// A bulk statement of 30 records: its cell spells out 20 and counts the rest.
	if _, err := pg.Exec(ctx, srv.DB, `INSERT INTO groups (name, slug) SELECT 'G' || i, 'g' || i FROM generate_series(1, 30) i`); err != nil {
		t.Fatal(err)
	}
	today := time.Now().Format("02.01.2006")

	body := memberTestGet(t, srv, admin, "/admin/audit?entity=members", http.StatusOK)
	mustContain(t, body, "/admin/audit?entity=members&amp;format=csv", "/admin/audit?entity=members&amp;format=xlsx")

	res, csv := exportGet(t, srv, admin, "/admin/audit?entity=members&action=update&format=csv", http.StatusOK, "Accept-Language", "de")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "aenderungsprotokoll-") {
		t.Errorf("Content-Disposition %q", cd)
	}
	lines := strings.Split(strings.TrimSuffix(string(csv), "\r\n"), "\r\n")
	if !strings.HasPrefix(lines[0], "\uFEFFEintrag;Datum;Uhrzeit;Wer;Datensatz;Aktion;Datensätze;Mitglieder;Änderungen;") {
		t.Errorf("CSV header %q", lines[0])
	}
	if len(lines) != 2 {
		t.Fatalf("CSV has %d lines, want the header and the one update: %q", len(lines), csv)
	}
	// The actor begins with "=": defused so a spreadsheet shows it as text.
	for _, want := range []string{";" + today + ";", ";'=export test;Mitglied;geändert;1;1;", "Kiel → Husum", ";nein"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("CSV row %q lacks %q", lines[1], want)
		}
	}

	res, xb := exportGet(t, srv, admin, "/admin/audit?entity=groups&format=xlsx", http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("Content-Type %q", ct)
	}
	x, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Audit trail")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "Entry" || rows[1][4] != "Group" || rows[1][6] != "30" ||
		!strings.Contains(rows[1][8], "… and 10 more records") || strings.Count(rows[1][8], "slug: g") != 20 {
		t.Errorf("XLSX rows %q", rows)
	}

	// A bad filter is the page with its error, not a file.
	body = memberTestGet(t, srv, admin, "/admin/audit?from=yesterday&format=csv", http.StatusBadRequest)
	mustContain(t, body, `aria-invalid="true"`)
	reader := signIn(t, srv, users[authz.ReadOnly].Email, testPassword)
	memberTestGet(t, srv, reader, "/admin/audit?format=csv", http.StatusForbidden)
}
