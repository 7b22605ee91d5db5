package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"mila/bench/internal/harness"
)

// The import step (-import N, issue 16): an admin brings in a register of
// N rows × 15 columns through the web pages of the running `mila serve`
// — upload, the suggested mapping, the dry run (in the request), the
// commit (a job in the server, whose progress the page polls) and, last,
// the undo — while another signed-in user reads the overview and a
// search page at concurrency 1. One row in ten updates an existing
// member (matched by email), the others are new. The undo leaves the
// kept data set as it was; the step checks that with counts and
// checksums of the member tables taken before and after.

// Targets of issue 16.
const (
	targetImportDryRun  = 20 * time.Second
	targetImportCommit  = 30 * time.Second
	targetImportUndo    = 10 * time.Second
	targetImportRSS     = 200 << 20
	targetImportReadP95 = 100 * time.Millisecond
)

// importFileName is the name the bench uploads its file under; a batch of
// that name left done by an interrupted run is undone before measuring.
const importFileName = "bench-mitglieder-import.csv"

// importEmailDomain marks the members the file creates.
const importEmailDomain = "import-bench.example"

// importPhase is one part of the step and what the reader saw meanwhile.
type importPhase struct {
	name             string
	took             time.Duration
	target           time.Duration // 0: none
	overview, search []time.Duration
	rss              int64
}

type importResult struct {
	rows, updates    int
	fileBytes        int
	upload           time.Duration // POST /admin/import (the file checked and kept)
	commitDB         time.Duration // the commit's POST until the progress box said done
	phases           []importPhase // idle, dry run, commit, undo
	counts           string        // the dry run's counts
	searchPath       string
	checks           []string
	loadStart        string
	loadEnd          string
	rssMax           int64
	leftoverUndone   int // batches of an interrupted run undone first
	overviewRequests int
}

// measureImport runs the import step on m (the bench's `mila serve`,
// whose worker runs the commit).
func measureImport(ctx context.Context, c config, m *milaProc, db *benchDB, p benchParams) (importResult, error) {
	r := importResult{rows: c.importRows, updates: c.importRows / 10, loadStart: loadAvg()}
	r.searchPath = "/members?q=" + url.QueryEscape(p.CommonSurname)

	// The uploading admin: requests that may take as long as the dry run.
	admin := &milaProc{Server: m.Server, client: harness.NewClient(&http.Transport{DisableCompression: true})}
	admin.client.Timeout = 10 * time.Minute
	if err := signIn(admin.client, m.Base); err != nil {
		return r, err
	}
	// Another user reading meanwhile: their own session and connection.
	reader := &milaProc{Server: m.Server, client: harness.NewClient(&http.Transport{MaxIdleConns: 2, MaxIdleConnsPerHost: 2, DisableCompression: true})}
	if err := signIn(reader.client, m.Base); err != nil {
		return r, err
	}

	n, err := undoLeftovers(ctx, admin, db)
	if err != nil {
		return r, err
	}
	r.leftoverUndone = n

	before, err := registerFingerprint(ctx, db)
	if err != nil {
		return r, err
	}
	content, err := importFile(ctx, db, r.rows, r.updates)
	if err != nil {
		return r, err
	}
	r.fileBytes = len(content)
	harness.Logf("import: %d rows × 15 columns (%d updates of existing members), %.1f MB", r.rows, r.updates, float64(len(content))/(1<<20))

	paths := [2]string{"/members", r.searchPath}
	for _, path := range paths { // warm up
		for range 10 {
			if _, err := reader.get(path, http.StatusOK); err != nil {
				return r, err
			}
		}
	}
	idle, err := readWhile(reader, paths, 100, nil)
	if err != nil {
		return r, err
	}
	idle.name = "idle (before the import)"
	r.phases = append(r.phases, idle)

	// Upload: the file is checked (format, header) and kept.
	t := time.Now()
	loc, err := admin.upload("/admin/import", importFileName, content)
	if err != nil {
		return r, fmt.Errorf("upload: %w", err)
	}
	r.upload = time.Since(t)
	uploadPath, _, _ := strings.Cut(loc, "?")
	if !strings.HasPrefix(uploadPath, "/admin/import/uploads/") {
		return r, fmt.Errorf("upload: redirected to %q", loc)
	}
	// The mapping page, submitted as the browser would: every field as
	// the page suggests it, matched by email, create and update.
	form, err := admin.mappingForm(uploadPath)
	if err != nil {
		return r, err
	}
	form.Set("match", "email")
	form.Set("mode", "upsert")
	form.Del("create_groups")
	form.Set("action", "dryrun")

	var batchPath string
	dry, err := readWhile(reader, paths, 0, func() error {
		loc, err := admin.post(uploadPath, form)
		batchPath, _, _ = strings.Cut(loc, "?")
		return err
	})
	if err != nil {
		return r, fmt.Errorf("dry run: %w", err)
	}
	dry.name, dry.target = "dry run (POST of the mapping form)", targetImportDryRun
	r.phases = append(r.phases, dry)
	batchID := strings.TrimPrefix(batchPath, "/admin/import/batches/")
	if !validUUID(batchID) {
		return r, fmt.Errorf("dry run: redirected to %q", batchPath)
	}
	if _, err := admin.get(batchPath, http.StatusOK); err != nil {
		return r, err
	}
	var nNew, nUpd, nSame, nErr int
	if err := db.pool.QueryRow(ctx, `SELECT new_count, update_count, unchanged_count, error_count FROM import_batches WHERE id = $1`,
		batchID).Scan(&nNew, &nUpd, &nSame, &nErr); err != nil {
		return r, err
	}
	r.counts = fmt.Sprintf("%d new, %d updated, %d unchanged, %d with errors", nNew, nUpd, nSame, nErr)
	harness.Logf("import: dry run in %.1f s: %s", dry.took.Seconds(), r.counts)
	if nNew != r.rows-r.updates || nUpd != r.updates || nErr != 0 {
		var sample string
		_ = db.pool.QueryRow(ctx, `SELECT string_agg(line || ': ' || errors::text, '; ') FROM (SELECT line, errors FROM import_rows
			WHERE batch_id = $1 AND status = 'error' ORDER BY line LIMIT 5) s`, batchID).Scan(&sample)
		return r, fmt.Errorf("dry run: %s; want %d new and %d updated (errors: %s)", r.counts, r.rows-r.updates, r.updates, sample)
	}

	// Commit: queued by the request, run by the server's worker; the page
	// polls its progress box every second until it says to reload.
	com, err := readWhile(reader, paths, 0, func() error {
		if _, err := admin.post(batchPath+"/commit", url.Values{}); err != nil {
			return err
		}
		for {
			done, err := admin.progress(batchPath + "/progress")
			if err != nil || done {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		}
	})
	if err != nil {
		return r, fmt.Errorf("commit: %w", err)
	}
	var state string
	if err := db.pool.QueryRow(ctx, `SELECT state FROM import_batches WHERE id = $1`, batchID).Scan(&state); err != nil {
		return r, err
	}
	if state != "done" {
		return r, fmt.Errorf("commit: the batch is %s (see %s)", state, m.LogPath)
	}
	r.commitDB = com.took
	com.name, com.target = "commit (POST, the server's job, until the polled page says done; ±1 s)", targetImportCommit
	r.phases = append(r.phases, com)
	var members, created int
	if err := db.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE email::text LIKE '%@'||$1) FROM members`,
		importEmailDomain).Scan(&members, &created); err != nil {
		return r, err
	}
	if members != before.members+nNew || created != nNew {
		return r, fmt.Errorf("after the commit: %d members (%d from the file), want %d (%d)", members, created, before.members+nNew, nNew)
	}
	harness.Logf("import: committed in %.1f s (%d members now)", r.commitDB.Seconds(), members)

	// Undo, from its confirmation page.
	if _, err := admin.get(batchPath+"/undo", http.StatusOK); err != nil {
		return r, err
	}
	und, err := readWhile(reader, paths, 0, func() error {
		loc, err := admin.post(batchPath+"/undo", url.Values{})
		if err == nil && loc != "/admin/import" {
			err = fmt.Errorf("redirected to %q", loc)
		}
		return err
	})
	if err != nil {
		return r, fmt.Errorf("undo: %w", err)
	}
	und.name, und.target = "undo (POST, in the request)", targetImportUndo
	r.phases = append(r.phases, und)
	harness.Logf("import: undone in %.1f s", und.took.Seconds())

	after, err := registerFingerprint(ctx, db)
	if err != nil {
		return r, err
	}
	if diff := before.differs(after); diff != "" {
		return r, fmt.Errorf("after the undo the register differs from before the import: %s", diff)
	}
	r.checks = []string{
		fmt.Sprintf("the dry run counted %d new and %d updated rows, no errors", nNew, nUpd),
		fmt.Sprintf("after the commit: %d members, %d more than before, each with the file's email domain", members, nNew),
		fmt.Sprintf("after the undo: %d members, %d custom values, %d memberships, %d groups as before, and the checksums of members, custom_field_values, member_groups, member_group_keys and groups equal those before the import",
			after.members, after.values, after.memberships, after.groups),
	}

	// Tidy up what a club's server forgets after a day (Housekeep): the
	// batch's row details and the kept file. The history keeps the batch.
	if _, err := db.pool.Exec(ctx, `DELETE FROM import_rows WHERE batch_id = $1`, batchID); err != nil {
		return r, err
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM import_uploads WHERE id = $1`, strings.TrimPrefix(uploadPath, "/admin/import/uploads/")); err != nil {
		return r, err
	}
	// The 100,000 created and deleted members are dead rows now; the
	// next run starts from a vacuumed data set (ensureDataSet) anyway.
	if _, err := db.pool.Exec(ctx, `VACUUM (ANALYZE) members, member_groups, member_group_keys, groups, custom_field_values, import_rows`); err != nil {
		return r, err
	}
	for _, ph := range r.phases {
		r.rssMax = max(r.rssMax, ph.rss)
		r.overviewRequests += len(ph.overview) + len(ph.search)
	}
	r.loadEnd = loadAvg()
	return r, nil
}

// readWhile reads the two pages in turn at concurrency 1 (with a pause of
// 10 ms, a person rather than a flood) while work runs, or, with work
// nil, rounds times each. It samples the server's memory meanwhile. took
// is the work's duration.
func readWhile(reader *milaProc, paths [2]string, rounds int, work func() error) (importPhase, error) {
	var ph importPhase
	stop := make(chan struct{})
	peak := make(chan int64, 1)
	go func() { peak <- reader.SampleRSS(50*time.Millisecond, stop) }()
	var (
		wg      sync.WaitGroup
		workErr error
		done    = make(chan struct{})
	)
	start := time.Now()
	if work != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			workErr = work()
			ph.took = time.Since(start)
			close(done)
		}()
	}
	var readErr error
	for i := 0; ; i++ {
		if work == nil && i >= 2*rounds {
			break
		}
		if work != nil && isClosed(done) {
			break
		}
		t := time.Now()
		if _, err := reader.get(paths[i%2], http.StatusOK); err != nil {
			readErr = err
			break
		}
		d := time.Since(t)
		if i%2 == 0 {
			ph.overview = append(ph.overview, d)
		} else {
			ph.search = append(ph.search, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	if work == nil {
		ph.took = time.Since(start)
	}
	close(stop)
	ph.rss = <-peak
	if workErr != nil {
		return ph, workErr
	}
	if readErr != nil {
		return ph, fmt.Errorf("reading the overview meanwhile: %w", readErr)
	}
	return ph, nil
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// upload posts a file as the upload form does (multipart, field "file")
// and returns the redirect's Location.
func (m *milaProc) upload(path, name string, content []byte) (string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	if _, err := fw.Write(content); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	res, err := m.client.Post(m.Base+path, mw.FormDataContentType(), &body)
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("POST %s: status %d, want 303: %s", path, res.StatusCode, pageError(b))
	}
	return res.Header.Get("Location"), nil
}

// progress fetches the batch's progress box as the page's htmx polling
// does; done when the server asks the page to reload (the batch finished).
func (m *milaProc) progress(path string) (bool, error) {
	req, err := http.NewRequest(http.MethodGet, m.Base+path, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("HX-Request", "true")
	res, err := m.client.Do(req)
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	return res.Header.Get("HX-Refresh") == "true", nil
}

// mappingForm reads the mapping page and returns what its form would
// send unchanged: every input, select and textarea with its value (a
// checkbox only when checked, a select's selected option). Every column
// must be mapped (the suggestions know the file's headings).
func (m *milaProc) mappingForm(path string) (url.Values, error) {
	res, err := m.client.Get(m.Base + path)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", path, res.StatusCode)
	}
	doc, err := html.Parse(res.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	var form *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if form != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") && attr(n, "action") == path {
			form = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		return nil, fmt.Errorf("GET %s: no mapping form", path)
	}
	v := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := attr(n, "name")
			switch {
			case name == "" || hasAttr(n, "disabled"):
			case n.Data == "input":
				switch strings.ToLower(attr(n, "type")) {
				case "checkbox", "radio":
					if hasAttr(n, "checked") {
						v.Add(name, cmpOr(attr(n, "value"), "on"))
					}
				case "submit", "button", "reset", "file", "image":
				default:
					v.Add(name, attr(n, "value"))
				}
			case n.Data == "select":
				var first, chosen *html.Node
				var opts func(o *html.Node)
				opts = func(o *html.Node) {
					for c := o.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == html.ElementNode && c.Data == "option" {
							if first == nil {
								first = c
							}
							if chosen == nil && hasAttr(c, "selected") {
								chosen = c
							}
						} else {
							opts(c)
						}
					}
				}
				opts(n)
				if chosen == nil {
					chosen = first
				}
				if chosen != nil {
					val, ok := attrOK(chosen, "value")
					if !ok {
						val = strings.TrimSpace(text(chosen))
					}
					v.Add(name, val)
				}
				return
			case n.Data == "textarea":
				v.Add(name, text(n))
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	var unmapped []string
	for k, vals := range v {
		if strings.HasPrefix(k, "col_") && (len(vals) == 0 || vals[0] == "ignore" || vals[0] == "") {
			unmapped = append(unmapped, k)
		}
	}
	if len(unmapped) > 0 {
		return nil, fmt.Errorf("the mapping page suggests no field for columns %v", unmapped)
	}
	return v, nil
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string { v, _ := attrOK(n, key); return v }

func hasAttr(n *html.Node, key string) bool { _, ok := attrOK(n, key); return ok }

func text(n *html.Node) string {
	var b strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pageError is the first error text of a page that refused something
// (for the bench's own error message).
func pageError(body []byte) string {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	var out string
	var f func(*html.Node)
	f = func(n *html.Node) {
		if out != "" {
			return
		}
		if n.Type == html.ElementNode && (strings.Contains(attr(n, "class"), "text-error") || attr(n, "role") == "alert") {
			out = strings.Join(strings.Fields(text(n)), " ")
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(doc)
	return out
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdef", c):
			return false
		}
	}
	return true
}

// undoLeftovers undoes, through the web, batches of the bench's file that
// an interrupted run left imported, so the step starts on the data set.
func undoLeftovers(ctx context.Context, admin *milaProc, db *benchDB) (int, error) {
	rows, err := db.pool.Query(ctx, `SELECT id::text FROM import_batches WHERE file_name = $1 AND state = 'done' ORDER BY created_at DESC`, importFileName)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		harness.Logf("import: undoing batch %s left by an interrupted run", id)
		if _, err := admin.post("/admin/import/batches/"+id+"/undo", url.Values{}); err != nil {
			return 0, fmt.Errorf("undo the leftover batch %s: %w", id, err)
		}
	}
	// Row details of the bench's batches that were never imported
	// (interrupted, failed, rolled back, or dry runs of a failed run).
	if _, err := db.pool.Exec(ctx, `DELETE FROM import_rows WHERE batch_id IN (SELECT id FROM import_batches
		WHERE file_name = $1 AND state <> 'done')`, importFileName); err != nil {
		return 0, err
	}
	var left int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM members WHERE email::text LIKE '%@'||$1`, importEmailDomain).Scan(&left); err != nil {
		return 0, err
	}
	if left > 0 {
		return 0, fmt.Errorf("%d members of an earlier import run are in the data set and no batch to undo them", left)
	}
	return len(ids), nil
}

// fingerprint is the member register in counts and checksums.
type fingerprint struct {
	members, values, memberships, groups int
	sums                                 map[string]string
}

func registerFingerprint(ctx context.Context, db *benchDB) (fingerprint, error) {
	var f fingerprint
	if err := db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM custom_field_values),
		(SELECT count(*) FROM member_groups), (SELECT count(*) FROM groups)`).Scan(&f.members, &f.values, &f.memberships, &f.groups); err != nil {
		return f, err
	}
	f.sums = map[string]string{}
	for table, key := range map[string]string{"members": "id", "custom_field_values": "id", "member_groups": "member_id, group_id",
		"member_group_keys": "member_id", "groups": "id"} {
		var sum string
		if err := db.pool.QueryRow(ctx, fmt.Sprintf(`SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY %s), '')) FROM %s t`, key, table)).Scan(&sum); err != nil {
			return f, fmt.Errorf("checksum of %s: %w", table, err)
		}
		f.sums[table] = sum
	}
	return f, nil
}

// differs names what differs between two fingerprints ("" if nothing).
func (f fingerprint) differs(g fingerprint) string {
	var d []string
	if f.members != g.members || f.values != g.values || f.memberships != g.memberships || f.groups != g.groups {
		d = append(d, fmt.Sprintf("counts (members, values, memberships, groups) %d %d %d %d, before %d %d %d %d",
			g.members, g.values, g.memberships, g.groups, f.members, f.values, f.memberships, f.groups))
	}
	for t, s := range f.sums {
		if g.sums[t] != s {
			d = append(d, "checksum of "+t)
		}
	}
	return strings.Join(d, "; ")
}

// Words of the file: names with umlauts and accents as the data set
// has them (so the search's word list gains nothing), addresses, fee
// kinds.
var (
	importFirstNames = []string{"Jürgen", "Jörg", "Björn", "Sören", "Günther", "Anna", "Emma", "Sophie", "Lena", "Clara",
		"Ursula", "Renate", "Lukas", "Jonas", "Zoë", "François", "Łukasz", "Ayşe", "Søren", "José"}
	importLastNames = []string{"Müller", "Schmidt", "Schäfer", "Krüger", "Schröder", "Becker", "Weber", "Hoffmann",
		"Zimmermann", "Öztürk", "Yılmaz", "Wójcik", "García", "Meyer", "Koch", "Braun"}
	importStreets = []string{"Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Mühlenweg", "Königsallee",
		"Am Sportplatz", "Lindenstraße", "Goethestraße", "Birkenweg"}
	importCities = [][2]string{{"10115", "Berlin"}, {"20095", "Hamburg"}, {"80331", "München"}, {"50667", "Köln"},
		{"40213", "Düsseldorf"}, {"04109", "Leipzig"}, {"01067", "Dresden"}, {"90402", "Nürnberg"}}
	importFees = []string{"Vollmitglied", "Ermäßigt", "Familie", "Jugend", "Fördermitglied"}
)

// importFile writes the register: a German spreadsheet export with
// semicolons, dates as dd.mm.yyyy, ja/nein, and a groups column naming
// one to three of the data set's groups. The first updates rows are
// members of the data set with an email no other member has, with a new
// address, phone, birth date and fee kind and their groups as they are;
// the rest are new people.
func importFile(ctx context.Context, db *benchDB, n, updates int) ([]byte, error) {
	rows, err := db.pool.Query(ctx, `SELECT name FROM groups WHERE slug NOT LIKE 'bench-bulk%' ORDER BY member_count DESC, slug LIMIT 40`)
	if err != nil {
		return nil, err
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, errors.New("the data set has no groups")
	}
	type existing struct{ email, first, last, joined, groups, number string }
	rows, err = db.pool.Query(ctx, `SELECT m.email::text, m.first_name, m.last_name, coalesce(to_char(m.join_date, 'DD.MM.YYYY'), ''),
		coalesce((SELECT string_agg(g.name, ', ' ORDER BY g.name) FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE mg.member_id = m.id), ''),
		coalesce((SELECT v.value FROM custom_field_values v
			JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id AND f.slug = 'mitgliedsnummer'), '')
		FROM members m WHERE m.email IS NOT NULL AND m.email::text NOT LIKE '%@'||$2
		  AND NOT EXISTS (SELECT 1 FROM members o WHERE o.email = m.email AND o.id <> m.id)
		ORDER BY md5(m.id::text) LIMIT $1`, updates, importEmailDomain)
	if err != nil {
		return nil, err
	}
	old, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (existing, error) {
		var e existing
		err := row.Scan(&e.email, &e.first, &e.last, &e.joined, &e.groups, &e.number)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	if len(old) < updates {
		return nil, fmt.Errorf("only %d members with an email of their own for %d updates", len(old), updates)
	}
	var nextNumber int
	if err := db.pool.QueryRow(ctx, `SELECT coalesce(max(v.value::bigint), 0) + 1 FROM custom_field_values v
		JOIN custom_fields f ON f.id = v.custom_field_id WHERE f.slug = 'mitgliedsnummer'`).Scan(&nextNumber); err != nil {
		return nil, fmt.Errorf("the data set's membership numbers: %w", err)
	}

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	_ = w.Write([]string{"Mitgliedsnummer", "Vorname", "Nachname", "E-Mail", "Telefon", "Straße", "Hausnummer", "PLZ", "Ort",
		"Land", "Eintritt", "Geburtsdatum", "Beitragsart", "SEPA-Lastschrift", "Gruppen"})
	date := func(i, from, years int) string {
		return fmt.Sprintf("%02d.%02d.%d", i%28+1, (i/28)%12+1, from+(i/7)%years)
	}
	for i := range n {
		first, last := importFirstNames[i%len(importFirstNames)], importLastNames[(i/len(importFirstNames))%len(importLastNames)]
		number := strconv.Itoa(nextNumber + i)
		email := fmt.Sprintf("%s.%d@%s", asciiLocal(first+"."+last), i, importEmailDomain)
		joined := date(i, 1995, 30)
		g := groups[i%len(groups)]
		if i%3 > 0 {
			g += ", " + groups[(i*7+1)%len(groups)]
		}
		if i%5 == 0 {
			g += "; " + groups[(i*13+2)%len(groups)]
		}
		if i < updates {
			// A corrected export of the club's own register: the member's
			// join date and groups as they are (a former member's exit date
			// must not come before the join date).
			e := old[i]
			first, last, email, joined, g = e.first, e.last, e.email, e.joined, e.groups
			if e.number != "" {
				number = e.number
			}
		}
		city := importCities[i%len(importCities)]
		_ = w.Write([]string{number, first, last, email, fmt.Sprintf("0%d %07d", 30+i%900, i), importStreets[i%len(importStreets)],
			strconv.Itoa(i%180 + 1), city[0], city[1], "Deutschland", joined, date(i*3, 1940, 65),
			importFees[i%len(importFees)], []string{"ja", "nein"}[i%2], g})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// asciiLocal is an email's local part for a name: umlauts spelt out,
// other letters without their accents.
func asciiLocal(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss", "ë", "e", "ç", "c",
		"Ł", "L", "ł", "l", "ş", "s", "ø", "o", "é", "e", "ı", "i", "ó", "o", "í", "i")
	return strings.ToLower(r.Replace(s))
}

// loadAvg is the machine's load average (1, 5, 15 minutes).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// markdown writes the section of results.md.
func (r importResult) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("Import of %s rows × 15 columns (%.1f MB CSV; %s new members, %s updates of existing ones matched by email) through the web pages "+
		"of the bench's `mila serve`, while another signed-in user reads `/members` and `%s` in turn at concurrency 1 "+
		"(10 ms pause between requests); load average %s at the start, %s at the end:\n\n",
		strconv.Itoa(r.rows), float64(r.fileBytes)/(1<<20), strconv.Itoa(r.rows-r.updates), strconv.Itoa(r.updates), r.searchPath, r.loadStart, r.loadEnd)
	w("| Phase | took | target | `/members` p50 / p95 ms (n) | search p50 / p95 ms (n) | reads p95 ≤ 100 ms | RSS max MB |\n")
	w("|---|---:|---|---:|---:|---|---:|\n")
	for i, ph := range r.phases {
		took, target := "", ""
		if i > 0 {
			took = fmt.Sprintf("%.1f s", ph.took.Seconds())
		}
		if ph.target > 0 {
			target = fmt.Sprintf("≤ %.0f s%s", ph.target.Seconds(), miss(ph.took > ph.target))
		}
		p95 := max(harness.Percentile(ph.overview, 95), harness.Percentile(ph.search, 95))
		readOK := "✓"
		if p95 > targetImportReadP95 {
			readOK = "✗"
		}
		if i == 0 {
			readOK = ""
		}
		w("| %s | %s | %s | %.1f / %.1f (%d) | %.1f / %.1f (%d) | %s | %.0f |\n", ph.name, took, target,
			harness.Ms(harness.Percentile(ph.overview, 50)), harness.Ms(harness.Percentile(ph.overview, 95)), len(ph.overview),
			harness.Ms(harness.Percentile(ph.search, 50)), harness.Ms(harness.Percentile(ph.search, 95)), len(ph.search), readOK, harness.MB(ph.rss))
	}
	rssOK := ""
	if r.rssMax > targetImportRSS {
		rssOK = " **missed**"
	}
	w("\nUpload (POST of the file, checked and kept) %.1f s. Mila's largest VmRSS during the import %.0f MB (target ≤ 200 MB%s).", r.upload.Seconds(), harness.MB(r.rssMax), rssOK)
	if r.leftoverUndone > 0 {
		w(" %d batch(es) of an interrupted run were undone first.", r.leftoverUndone)
	}
	w("\nChecked: %s.\n\n", strings.Join(r.checks, "; "))
	return b.String()
}
