package importer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestExplainCommit is a profile, not a check: with MILA_EXPLAIN=N it
// dry-runs N rows of the benchmark's file, then runs each commit step
// under EXPLAIN ANALYZE (in a transaction it rolls back) and logs the
// time per step and per trigger, summed over the chunks
// (docs/PERFORMANCE.md, import):
//
//	MILA_EXPLAIN=10000 go test ./internal/importer -run TestExplainCommit -v
func TestExplainCommit(t *testing.T) {
	if os.Getenv("MILA_EXPLAIN") == "" {
		t.Skip("MILA_EXPLAIN")
	}
	n, _ := strconv.Atoi(os.Getenv("MILA_EXPLAIN"))
	db := testpg.New(t)
	ctx := context.Background()
	admin := authz.Actor{UserID: "x", Email: "a@example.org", Set: authz.Admin}
	yes := true
	for _, in := range []membership.CustomFieldInput{{Name: "Mitgliedsnummer", ValueType: membership.CustomFieldInteger, Unique: &yes},
		{Name: "Geburtsdatum", ValueType: membership.CustomFieldDate}, {Name: "Jugend", ValueType: membership.CustomFieldBoolean}} {
		if _, err := membership.NewCustomFields(db).Create(ctx, admin, in); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	buf.WriteString("Mitgliedsnummer;Vorname;Nachname;E-Mail;Telefon;Straße;Hausnummer;PLZ;Ort;Land;Eintritt;Notizen;Geburtsdatum;Jugend;Gruppen\n")
	groups := []string{"Chor", "Vorstand", "Jugend", "Senioren", "Tennis", "Fußball", "Kasse", "Archiv"}
	for i := range n {
		fmt.Fprintf(&buf, "%d;Vorname%d;Müller%d;m%d@example.org;0221 %06d;Hauptstraße;%d;%05d;Köln;Deutschland;%02d.%02d.%d;Notiz %d;%d-%02d-%02d;%s;%s, %s\n",
			i+1, i, i, i, i, i%200+1, 50000+i%1000, i%28+1, i%12+1, 1990+i%35, i,
			1940+i%70, i%12+1, i%28+1, []string{"ja", "nein"}[i%2], groups[i%8], groups[(i+3)%8])
	}
	c := buf.Bytes()
	f := File{Name: "r.csv", Size: int64(len(c)), Data: bytes.NewReader(c)}
	im := Importer{DB: db}
	pv, err := im.Inspect(ctx, admin, f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := im.DryRun(ctx, admin, File{Name: "r.csv", Size: int64(len(c)), Data: bytes.NewReader(c)}, pv.Mapping, Options{Match: MatchNumber, CreateGroups: true})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if err := createGroups(ctx, tx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE import_rows SET member_id = uuid_generate_v7() WHERE batch_id = $1 AND status = 'new'`, b.ID); err != nil {
		t.Fatal(err)
	}
	times := map[string]float64{}
	trig := regexp.MustCompile(`^Trigger (\S+).*time=([0-9.]+)`)
	exec := regexp.MustCompile(`^Execution Time: ([0-9.]+)`)
	for from := 0; from <= n+1; from += 5000 {
		for _, s := range commitSteps {
			flag := "off"
			if s.cfTextWritten {
				flag = "on"
			}
			if _, err := tx.Exec(ctx, `SELECT set_config('mila.cf_text_written', $1, true)`, flag); err != nil {
				t.Fatal(err)
			}
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE) "+s.sql, b.ID, from, from+5000)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				if m := trig.FindStringSubmatch(line); m != nil {
					v, _ := strconv.ParseFloat(m[2], 64)
					times[s.what+" / trigger "+m[1]] += v
				}
				if m := exec.FindStringSubmatch(line); m != nil {
					v, _ := strconv.ParseFloat(m[1], 64)
					times[s.what] += v
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	var keys []string
	for k := range times {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-70s %8.0f ms", k, times[k])
	}
}
