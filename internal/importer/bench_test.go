package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// BenchmarkImport100k measures the figures: a register of
// 100,000 rows × 15 columns (11 member columns, a unique membership
// number, a birth date, a yes/no field and groups) — dry run, commit,
// the same file again (dry run, all unchanged), and undo — and the
// process's peak resident memory after each. One iteration is the whole
// story; run it with -benchtime 1x (make bench does):
//
//	go test ./internal/importer -run '^$' -bench Import100k -benchtime 1x
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	db := testpg.New(b)
	ctx := context.Background()
	field(b, db, numberField)
	for _, in := range []membership.CustomFieldInput{
		{Name: "Geburtsdatum", ValueType: membership.CustomFieldDate},
		{Name: "Jugend", ValueType: membership.CustomFieldBoolean},
	} {
		if _, err := (membership.NewCustomFields(db)).Create(ctx, admin, in); err != nil {
			b.Fatal(err)
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
	content := buf.Bytes()
	f := func() importer.File {
		return importer.File{Name: "register.csv", Size: int64(len(content)), Data: bytes.NewReader(content)}
	}
	im := importer.Importer{DB: db}
	w := importer.Worker{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	o := importer.Options{Match: importer.MatchNumber, CreateGroups: true}
	step := func(name string, fn func() error) {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		b.ReportMetric(time.Since(start).Seconds(), name+"-s")
		b.ReportMetric(float64(maxRSS())/1024, name+"-rss-MB")
	}
	b.Logf("file: %d rows × 15 columns, %.1f MB", n, float64(len(content))/(1<<20))
	for range b.N {
		var batch importer.Batch
		step("dryrun", func() error {
			pv, err := im.Inspect(ctx, admin, f())
			if err != nil {
				return err
			}
			batch, err = im.DryRun(ctx, admin, f(), pv.Mapping, o)
			if err == nil && (batch.New != n || batch.Errors != 0) {
				err = fmt.Errorf("dry run %+v", batch)
			}
			return err
		})
		step("commit", func() error {
			if err := im.Commit(ctx, admin, batch.ID, false); err != nil {
				return err
			}
			if _, err := w.RunNext(ctx, batch.ID); err != nil {
				return err
			}
			got, err := im.Batch(ctx, admin, batch.ID)
			if err == nil && got.State != importer.StateDone {
				err = fmt.Errorf("commit %+v", got)
			}
			return err
		})
		step("reimport-dryrun", func() error {
			pv, err := im.Inspect(ctx, admin, f())
			if err != nil {
				return err
			}
			again, err := im.DryRun(ctx, admin, f(), pv.Mapping, o)
			if err == nil && again.Unchanged != n {
				err = fmt.Errorf("re-import %+v", again)
			}
			return err
		})
		step("undo", func() error { return im.Undo(ctx, admin, batch.ID) })

	}
}

// maxRSS is the peak resident memory of this process in KiB.
func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Maxrss
}
