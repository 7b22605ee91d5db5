package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Importer is the import's store and actions: a thin value around the
// pool, cheap to build per request (importer.Importer{DB: pool}).
type Importer struct {
	DB *pgxpool.Pool
}

// chunkRows is how many rows a dry run checks at once: the members they
// match are read in one statement, and the rows written in one COPY.
const chunkRows = 1000

// searchMax bounds the text a dry-run row is searched by.
const searchMax = 2000

// actorName is how the history names an actor that is no user (the
// command line): its name, else its email. A user is named by
// actorNameSQL.
func actorName(a authz.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.Email != "" {
		return a.Email
	}
	return a.UserID
}

// actorNameSQL is how the history names who imported or undid: the
// user's display name as it is at that moment (user_display_name,
// migration 00026: the linked member's name, else the user's own), or,
// for an actor that is no user, actorName. Its format verbs are the
// placeholder numbers of the user id (uuid or NULL) and of actorName.
const actorNameSQL = `coalesce((SELECT nullif(left(user_display_name(u.member_id, u.display_name), 254), '')
	FROM users u WHERE u.id = $%d::uuid), $%d)`

// actorID is the user id to store, or nil for an actor that is no user
// (the command line).
func actorID(a authz.Actor) any {
	if validate.UUID(a.UserID) {
		return a.UserID
	}
	return nil
}

// Preview is what the mapping step shows: the file's format, its sheets,
// header and first rows, and the suggested mapping and options.
type Preview struct {
	Spec    Spec
	Sheets  []string
	Sample  [][]string // up to 5 data rows
	Mapping Mapping    // suggested
	Options Options    // suggested
}

// Inspect reads the head of f and suggests a mapping.
func (im Importer) Inspect(ctx context.Context, actor authz.Actor, f File) (Preview, error) {
	if err := actor.Require(authz.Import, authz.Create); err != nil {
		return Preview{}, err
	}
	fields, err := membership.NewCustomFields(im.DB).Definitions(ctx, actor)
	if err != nil {
		return Preview{}, err
	}
	src, format, err := openSource(f)
	if err != nil {
		return Preview{}, err
	}
	defer src.close()
	pv := Preview{Spec: specOf(src, format, f)}
	if format == FormatXLSX {
		if pv.Sheets, err = Sheets(f); err != nil {
			return Preview{}, err
		}
	}
	for len(pv.Sample) < 5 {
		cells, _, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Preview{}, err
		}
		pv.Sample = append(pv.Sample, cells)
	}
	pv.Mapping = Suggest(src.header(), fields)
	pv.Options = suggestOptions(pv.Mapping, fields)
	return pv, nil
}

// suggestOptions picks the match the mapping supports best: a unique
// number field, else the email, else name and birth date; mode upsert.
func suggestOptions(m Mapping, fields []membership.CustomField) Options {
	mapped := map[string]bool{}
	for _, c := range m.Columns {
		mapped[c.Target] = true
	}
	o := Options{Mode: ModeUpsert, Match: MatchEmail}
	if n := suggestNumberField(fields); n != "" && mapped[CustomTarget(n)] {
		o.Match, o.NumberField = MatchNumber, n
	} else if b := suggestBirthField(fields); !mapped["email"] && b != "" && mapped[CustomTarget(b)] {
		o.Match, o.BirthField = MatchNameBirth, b
	}
	return o
}

func specOf(src source, format string, f File) Spec {
	s := Spec{Format: format, Header: src.header(), Sheet: f.Sheet}
	if c, ok := src.(*csvSource); ok {
		s.Encoding, s.Separator = c.encoding, string(c.separator)
	}
	if x, ok := src.(*xlsxSource); ok && s.Sheet == "" {
		s.Sheet = x.f.GetSheetList()[0]
	}
	return s
}

// DryRun reads the whole file, checks every row as the member form
// would, compares it with the member it matches, and stores the result
// as a batch in state dry_run. Nothing else in the database changes.
// A problem with the file itself (too large, not a CSV, a mapping that
// does not fit) is an *Error; problems of rows are in the result.
func (im Importer) DryRun(ctx context.Context, actor authz.Actor, f File, m Mapping, o Options) (Batch, error) {
	if err := actor.Require(authz.Import, authz.Create); err != nil {
		return Batch{}, err
	}
	fields, err := membership.NewCustomFields(im.DB).Definitions(ctx, actor)
	if err != nil {
		return Batch{}, err
	}
	src, format, err := openSource(f)
	if err != nil {
		return Batch{}, err
	}
	defer src.close()
	p, err := newPlan(src.header(), m, o, fields)
	if err != nil {
		return Batch{}, err
	}
	spec := specOf(src, format, f)
	spec.Mapping, spec.Options = m, p.opts

	ix, err := loadIndex(ctx, im.DB, p)
	if err != nil {
		return Batch{}, err
	}
	tx, err := pg.Begin(ctx, im.DB)
	if err != nil {
		return Batch{}, fmt.Errorf("dry run: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	specJSON, err := json.Marshal(spec)
	if err != nil {
		return Batch{}, err
	}
	var id string
	err = tx.QueryRow(ctx, `INSERT INTO import_batches (file_name, actor_id, actor_name, spec)
		VALUES ($1, $2, `+fmt.Sprintf(actorNameSQL, 2, 3)+`, $4) RETURNING id`, fileName(f.Name), actorID(actor), actorName(actor), specJSON).Scan(&id)
	if err != nil {
		return Batch{}, fmt.Errorf("dry run: create batch: %w", err)
	}
	c := newChecker(p, ix)
	total, err := im.checkRows(ctx, tx, id, src, c)
	if err != nil {
		return Batch{}, err
	}
	if total == 0 {
		return Batch{}, newErr(MsgNoRows, nil)
	}
	if err := markDuplicates(ctx, tx, id, c.dups); err != nil {
		return Batch{}, err
	}
	_, err = tx.Exec(ctx, `UPDATE import_batches b SET rows_total = $2,
		new_count = c.n_new, update_count = c.n_update, unchanged_count = c.n_unchanged, error_count = c.n_error
		FROM (SELECT count(*) FILTER (WHERE status = 'new') AS n_new, count(*) FILTER (WHERE status = 'update') AS n_update,
		             count(*) FILTER (WHERE status = 'unchanged') AS n_unchanged, count(*) FILTER (WHERE status = 'error') AS n_error
		        FROM import_rows WHERE batch_id = $1) c
		WHERE b.id = $1`, id, total)
	if err != nil {
		return Batch{}, fmt.Errorf("dry run: count rows: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Batch{}, fmt.Errorf("dry run: commit: %w", err)
	}
	return im.Batch(ctx, actor, id)
}

// fileName keeps the base name of what the browser sent, in at most 255
// characters of valid text.
func fileName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = cleanCell(validate.Clean(s))
	for utf8.RuneCountInString(s) > 255 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	if s == "" {
		s = "import"
	}
	return s
}

// checkRows reads the data rows in chunks, checks them and writes them
// to import_rows. It returns how many rows there were.
func (im Importer) checkRows(ctx context.Context, tx pgx.Tx, batchID string, src source, c *checker) (int, error) {
	total := 0
	chunk := make([]*parsed, 0, chunkRows)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		ids := make([]string, 0, len(chunk))
		for _, r := range chunk {
			if r.memberID != "" {
				ids = append(ids, r.memberID)
			}
		}
		members, err := loadStored(ctx, tx, ids)
		if err != nil {
			return err
		}
		out := make([]rowOut, len(chunk))
		for i, r := range chunk {
			out[i] = c.build(r, members[r.memberID])
		}
		chunk = chunk[:0]
		return copyRows(ctx, tx, batchID, out)
	}
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		cells, line, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		if blank(cells) {
			continue
		}
		total++
		chunk = append(chunk, c.parse(cells, line))
		if len(chunk) == chunkRows {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	return total, flush()
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// copyRows writes checked rows with one COPY.
func copyRows(ctx context.Context, tx pgx.Tx, batchID string, rows []rowOut) error {
	src := make([][]any, len(rows))
	for i, r := range rows {
		var memberID, version, vals, diff, errs any
		if r.memberID != "" {
			memberID, version = r.memberID, r.version
		}
		if r.vals != nil {
			b, err := json.Marshal(r.vals)
			if err != nil {
				return err
			}
			vals = string(b)
		}
		if len(r.changes) > 0 {
			b, err := json.Marshal(r.changes)
			if err != nil {
				return err
			}
			diff = string(b)
		}
		if len(r.errs) > 0 {
			b, err := json.Marshal(r.errs)
			if err != nil {
				return err
			}
			errs = string(b)
		}
		search := strings.ToLower(strings.Join(r.cells, " "))
		for len(search) > searchMax {
			_, size := utf8.DecodeLastRuneInString(search)
			search = search[:len(search)-size]
		}
		cells := r.cells
		if cells == nil {
			cells = []string{}
		}
		src[i] = []any{batchID, r.line, r.status, memberID, version, cells, vals, diff, errs, search}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"},
		[]string{"batch_id", "line", "status", "member_id", "member_version", "cells", "vals", "diff", "errors", "search"},
		pgx.CopyFromRows(src))
	if err != nil {
		return fmt.Errorf("dry run: write rows: %w", err)
	}
	return nil
}

// markDuplicates turns the earlier rows of in-file duplicates into errors.
func markDuplicates(ctx context.Context, tx pgx.Tx, batchID string, dups map[int]CellError) error {
	if len(dups) == 0 {
		return nil
	}
	lines := make([]int32, 0, len(dups))
	errs := make([]string, 0, len(dups))
	for line, e := range dups {
		b, err := json.Marshal([]CellError{e})
		if err != nil {
			return err
		}
		lines = append(lines, int32(line))
		errs = append(errs, string(b))
	}
	_, err := tx.Exec(ctx, `UPDATE import_rows r SET status = 'error', vals = NULL, diff = NULL,
		errors = coalesce(r.errors, '[]'::jsonb) || d.e
		FROM unnest($2::int[], $3::jsonb[]) AS d (line, e)
		WHERE r.batch_id = $1 AND r.line = d.line`, batchID, lines, errs)
	if err != nil {
		return fmt.Errorf("dry run: mark duplicates: %w", err)
	}
	return nil
}
