package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/demo"
	"mila/internal/membership"
	"mila/internal/web"
	"mila/internal/webtest"
)

// statementCounter is a pgx tracer (queries and batches) that counts the statements run while
// it is on, and keeps their text for the failure message.
type statementCounter struct {
	mu    sync.Mutex
	on    bool
	stmts []string
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	if c.on {
		c.stmts = append(c.stmts, d.SQL)
	}
	c.mu.Unlock()
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A batch is one round trip and counts as one statement (pg.PlanForValues
// sends its statement in a batch behind a setting); its statements' texts
// are kept together.
func (c *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.mu.Lock()
	if c.on {
		c.stmts = append(c.stmts, "batch:")
	}
	c.mu.Unlock()
	return ctx
}

func (c *statementCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.mu.Lock()
	if c.on && len(c.stmts) > 0 {
		c.stmts[len(c.stmts)-1] += " " + d.SQL + ";"
	}
	c.mu.Unlock()
}

func (c *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// statements renders path and returns the statements it ran.
func (c *statementCounter) statements(t *testing.T, srv *webtest.Server, client *http.Client, path string) []string {
	t.Helper()
	c.mu.Lock()
	c.on, c.stmts = true, nil
	c.mu.Unlock()
	res := srv.Get(t, client, path)
	body := webtest.Body(t, res) // the whole page: every statement has run
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", path, res.StatusCode, body)
	}
	return c.stmts
}

// TestPagesRunConstantStatements is the N+1 test: a page runs
// the same number of SQL statements whatever its size — 25 or 100 rows
// of the member overview, a group with 3 or 60 members, 5 or 12 groups, a
// member with no group or five. It counts with a pgx tracer on the app's
// pool; a statement per row (or per group) makes the counts differ.
func TestPagesRunConstantStatements(t *testing.T) {
	counter := &statementCounter{}
	srv := webtest.NewServer(t, func(c *web.Config) {
		cfg := c.DB.Config().Copy()
		cfg.ConnConfig.Tracer = counter
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		c.DB = pool
	})
	users := seedUsers(t, srv)
	admin := users[authz.Admin].Actor
	ctx := context.Background()
	// 150 members with custom values (two shown in the overview), five
	// groups of different sizes, a few former members.
	if _, err := demo.Load(ctx, srv.DB, demo.Options{Members: 150, Groups: 5, Seed: 3,
		Today: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	client := signIn(t, srv, users[authz.Admin].Email, testPassword)
	store := membership.NewGroups(srv.DB)

	var big, lonely, busy string
	if err := srv.DB.QueryRow(ctx, `SELECT slug FROM groups ORDER BY member_count DESC LIMIT 1`).Scan(&big); err != nil {
		t.Fatal(err)
	}
	// One group against five (a member without any group takes one more,
	// constant, statement: "no groups" has to tell a member from none).
	if err := srv.DB.QueryRow(ctx, `SELECT member_id FROM member_group_keys WHERE group_count = 1 ORDER BY member_id LIMIT 1`).Scan(&lonely); err != nil {
		t.Fatal(err)
	}
	if err := srv.DB.QueryRow(ctx, `SELECT member_id FROM member_group_keys ORDER BY group_count DESC, member_id LIMIT 1`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	small, err := store.CreateGroup(ctx, admin, membership.GroupInput{Name: "Kleine Gruppe"})
	if err != nil {
		t.Fatal(err)
	}
	var three []string
	if err := srv.DB.QueryRow(ctx, `SELECT array_agg(id) FROM (SELECT id FROM members ORDER BY id LIMIT 3) s`).Scan(&three); err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddMembersToGroup(ctx, admin, small.ID, three); err != nil {
		t.Fatal(err)
	}

	same := func(what string, a, b []string) {
		t.Helper()
		t.Logf("%s: %d statements", what, len(a))
		if os.Getenv("MILA_SHOW_STATEMENTS") != "" {
			for _, s := range a {
				t.Logf("  %.150s", strings.Join(strings.Fields(s), " "))
			}
		}
		if len(a) != len(b) {
			t.Errorf("%s: %d statements for the smaller page, %d for the larger one (N+1?)\nsmaller:\n%s\nlarger:\n%s",
				what, len(a), len(b), fmt.Sprint(a), fmt.Sprint(b))
		}
	}
	get := func(path string) []string { return counter.statements(t, srv, client, path) }

	for _, view := range []string{"", "&sort=groups", "&sort=group_count&dir=desc", "&group=" + big, "&group=none",
		"&q=a", "&q=Müller", "&q=Mueler&group=" + big, "&status=all&sort=cf_mitgliedsnummer", "&page=2"} {
		same("/members?per_page=…"+view, get("/members?per_page=25"+view), get("/members?per_page=100"+view))
	}
	// The group filter is found among the groups the page offers for it
	// anyway (membership.Members.List): no statement of its own.
	if all, byGroup := get("/members?per_page=25"), get("/members?per_page=25&group="+big); len(byGroup) != len(all) {
		t.Errorf("/members?group=…: %d statements, %d without the filter\nwith:\n%s\nwithout:\n%s",
			len(byGroup), len(all), fmt.Sprint(byGroup), fmt.Sprint(all))
	}
	same("/groups/{slug}", get("/groups/"+small.Slug), get("/groups/"+big))
	same("/members/{id}", get("/members/"+lonely), get("/members/"+busy))

	fewer := get("/groups")
	for i := range 7 {
		if _, err := store.CreateGroup(ctx, admin, membership.GroupInput{Name: fmt.Sprintf("Weitere Gruppe %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	same("/groups", fewer, get("/groups"))
}
