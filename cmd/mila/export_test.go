package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestExportCommand runs `mila export` as a script would: a group as
// German CSV to standard output, the overview as XLSX under the web's
// file name, and the mistakes an operator makes.
func TestExportCommand(t *testing.T) {
	pool := testpg.New(t)
	ctx := context.Background()
	env := []string{"DATABASE_URL=" + testpg.ConnString(t, pool)}
	members := membership.NewMembers(pool)
	g, err := membership.NewGroups(pool).CreateGroup(ctx, cliActor, membership.GroupInput{Name: "Jugend U14"})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Özdemir", "Łukasiewicz", "Meier"} {
		m, err := members.Create(ctx, cliActor, membership.MemberInput{FirstName: "Anna", LastName: name,
			PostalCode: "0106" + string(rune('7'+i)), JoinDate: "2020-02-0" + string(rune('1'+i))})
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			if _, err := membership.NewGroups(pool).AddMember(ctx, cliActor, g.ID, m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}

	cmd := milaCmd(t, env, "export", "--format", "csv", "--group", "jugend-u14", "--lang", "de", "--cols", "last_name,postal_code,join_date", "--out", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("export to stdout: %v\n%s", err, stderr.String())
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\xEF\xBB\xBF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || !bytes.HasPrefix(out, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV: %v\n%s", err, out)
	}
	want := [][]string{{"Nachname", "Postleitzahl", "Eintrittsdatum"}, {"Łukasiewicz", "01068", "02.02.2020"}, {"Özdemir", "01067", "01.02.2020"}}
	if len(recs) != 3 || strings.Join(recs[0], "|") != strings.Join(want[0], "|") || strings.Join(recs[1], "|") != strings.Join(want[1], "|") || strings.Join(recs[2], "|") != strings.Join(want[2], "|") {
		t.Errorf("group CSV %q, want %q", recs, want)
	}

	// A shared saved list: its view, live.
	var boardID string
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, role_id) VALUES ('board@example.org',
		(SELECT id FROM roles WHERE system_key = 'board')) RETURNING id`).Scan(&boardID); err != nil {
		t.Fatal(err)
	}
	board := authz.Actor{UserID: boardID, Set: authz.ReadOnly}
	if _, err := membership.NewSavedLists(pool).Create(ctx, board, membership.SavedListInput{Name: "U14 nach Eintritt", Shared: true},
		membership.MemberQuery{Group: "jugend-u14", Sort: membership.MemberSortJoinDate, Dir: membership.MemberDirDesc}); err != nil {
		t.Fatal(err)
	}
	cmd = milaCmd(t, env, "export", "--format", "csv", "--list", "u14 NACH eintritt", "--cols", "last_name", "--out", "-")
	if out, err := cmd.Output(); err != nil || string(out) != "\uFEFFLast name\r\nŁukasiewicz\r\nÖzdemir\r\n" {
		t.Errorf("--list: %v %q", err, out)
	}

	cmd = milaCmd(t, env, "export", "--format", "xlsx", "--sort", "join_date")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("export xlsx: %v\n%s", err, out)
	}
	name := "members-" + time.Now().Format("2006-01-02") + ".xlsx"
	f, err := excelize.OpenFile(filepath.Join(cmd.Dir, name))
	if err != nil {
		t.Fatalf("the file %s: %v", name, err)
	}
	rows, _ := f.GetRows("Members")
	if len(rows) != 4 || rows[1][1] != "Özdemir" || rows[3][1] != "Meier" {
		t.Errorf("XLSX rows %q", rows)
	}
	f.Close()

	for _, bad := range [][]string{
		{"export"},
		{"export", "--format", "ods"},
		{"export", "--format", "csv", "--group", "nope"},
		{"export", "--format", "csv", "--sort", "shoe_size"},
		{"export", "--format", "csv", "--group", "jugend-u14", "--status", "all"},
		{"export", "--format", "csv", "--list", "no such list"},
	} {
		cmd := milaCmd(t, env, bad...)
		out, err := cmd.CombinedOutput()
		if procExit(err) != exitUsage {
			t.Errorf("%q: exit %d, want %d\n%s", bad, procExit(err), exitUsage, out)
		}
		if entries, _ := os.ReadDir(cmd.Dir); len(entries) != 0 {
			t.Errorf("%q left files behind: %v", bad, entries)
		}
	}
}
