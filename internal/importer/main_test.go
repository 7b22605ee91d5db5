package importer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
	"mila/internal/webtest"
)

func TestMain(m *testing.M) { testpg.Main(m) }

// admin is the acting admin of the tests: no user row behind it, as for
// the command line.
var admin = authz.Actor{UserID: "test-admin", Email: "admin@example.org", Set: authz.Admin}

func file(name string, content []byte) importer.File {
	return importer.File{Name: name, Size: int64(len(content)), Data: bytes.NewReader(content)}
}

func csvFile(content string) importer.File { return file("members.csv", []byte(content)) }

// dryRun runs a dry run with the suggested mapping.
func dryRun(t *testing.T, db *pgxpool.Pool, f importer.File, o importer.Options) importer.Batch {
	t.Helper()
	im := importer.Importer{DB: db}
	pv, err := im.Inspect(context.Background(), admin, f)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	b, err := im.DryRun(context.Background(), admin, f, pv.Mapping, o)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	return b
}

// commit queues b and runs it in a worker of the test, and returns the
// batch afterwards.
func commit(t *testing.T, db *pgxpool.Pool, b importer.Batch, validOnly bool) importer.Batch {
	t.Helper()
	ctx := context.Background()
	im := importer.Importer{DB: db}
	if err := im.Commit(ctx, admin, b.ID, validOnly); err != nil {
		t.Fatalf("commit: %v", err)
	}
	// Small chunks: the tests' files span several, at a size -race runs quickly.
	w := importer.Worker{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Chunk: 500}
	ran, err := w.RunNext(ctx, b.ID)
	if err != nil || !ran {
		t.Fatalf("run batch: ran %v, %v", ran, err)
	}
	got, err := im.Batch(ctx, admin, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// rows returns all dry-run rows of a batch.
func rows(t *testing.T, db *pgxpool.Pool, id string) []importer.Row {
	t.Helper()
	p, err := importer.Importer{DB: db}.Rows(context.Background(), admin, id, importer.RowQuery{PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	return p.Rows
}

func wantMsg(t *testing.T, err error, id string) {
	t.Helper()
	e, ok := importer.AsError(err)
	if !ok || e.Msg.ID != id {
		t.Fatalf("error %v, want message %s", err, id)
	}
}

// rowErr returns the message ids of a row's errors, "column:id" each.
func rowErrs(r importer.Row) string {
	var s []string
	for _, e := range r.Errors {
		s = append(s, e.Column+":"+e.Msg.ID)
	}
	return strings.Join(s, ",")
}

func field(t testing.TB, db *pgxpool.Pool, in membership.CustomFieldInput) membership.CustomField {
	t.Helper()
	f, err := membership.NewCustomFields(db).Create(context.Background(), admin, in)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func member(t *testing.T, db *pgxpool.Pool, in membership.MemberInput) membership.Member {
	t.Helper()
	m, err := membership.NewMembers(db).Create(context.Background(), admin, in)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// memberData fingerprints the member register — every table an import
// writes except its own bookkeeping and search_words, whose words are
// never removed by design (migration 00005): a stale word only adds a
// search alternative that matches nobody.
func memberData(t *testing.T, db *pgxpool.Pool) string {
	t.Helper()
	var b strings.Builder
	for _, p := range strings.Split(webtest.Checksum(t, db), ";") {
		// The audit trail records the batch's own rows (import_batches:
		// a dry run, a failure), which this comparison leaves out too.
		if strings.HasPrefix(p, "import_") || strings.HasPrefix(p, "search_words=") || strings.HasPrefix(p, "audit_") {
			continue
		}
		b.WriteString(p + ";")
	}
	return b.String()
}

var yes = true

// numberField is a club's membership number: an integer, unique.
var numberField = membership.CustomFieldInput{Name: "Mitgliedsnummer", ValueType: membership.CustomFieldInteger, Unique: &yes}

func isForbidden(err error) bool { return errors.Is(err, authz.ErrForbidden) }
