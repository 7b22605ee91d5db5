package membership

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

// Actors of the four permission sets. The user ids need not exist: the
// group actions only read the actor.
var (
	groupAdmin    = authz.Actor{UserID: "0190a000-0000-7000-8000-0000000000a1", Set: authz.Admin}
	groupNormal   = authz.Actor{UserID: "0190a000-0000-7000-8000-0000000000a2", Set: authz.NormalUser}
	groupReadOnly = authz.Actor{UserID: "0190a000-0000-7000-8000-0000000000a3", Set: authz.ReadOnly}
)

// groupOwnData returns an own_data actor linked to memberID.
func groupOwnData(memberID string) authz.Actor {
	return authz.Actor{UserID: "0190a000-0000-7000-8000-0000000000a4", Set: authz.OwnData, MemberID: memberID}
}

func groupTestStore(t *testing.T) (*Groups, *pgxpool.Pool) {
	t.Helper()
	db := testpg.New(t)
	return NewGroups(db), db
}

// groupTestMember inserts a member with SQL (not through the members
// helper's code, so these tests depend only on the schema).
func groupTestMember(t *testing.T, db *pgxpool.Pool, first, last string) string {
	t.Helper()
	var id string
	if err := db.QueryRow(context.Background(),
		`INSERT INTO members (first_name, last_name) VALUES ($1, $2) RETURNING id`, first, last).Scan(&id); err != nil {
		t.Fatalf("insert member: %v", err)
	}
	return id
}

// groupTestMembers inserts n members named Member<i> Test, in one statement.
func groupTestMembers(t *testing.T, db *pgxpool.Pool, n int) []string {
	t.Helper()
	rows, err := db.Query(context.Background(),
		`INSERT INTO members (first_name, last_name, email)
		 SELECT 'Member' || i, 'Test', 'member' || i || '.' || left(md5(random()::text), 10) || '@example.org'
		   FROM generate_series(1, $1) i
		 RETURNING id`, n)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func groupTestCreate(t *testing.T, s *Groups, name string) Group {
	t.Helper()
	g, err := s.CreateGroup(context.Background(), groupAdmin, GroupInput{Name: name})
	if err != nil {
		t.Fatalf("create group %q: %v", name, err)
	}
	return g
}

// groupWantField fails unless err is a validation error with message id on field.
func groupWantField(t *testing.T, err error, field, id string) {
	t.Helper()
	fe, ok := validate.As(err)
	if !ok {
		t.Fatalf("want field error %s on %q, got %v", id, field, err)
	}
	if got := fe[field].ID; got != id {
		t.Fatalf("want field error %s on %q, got %v", id, field, err)
	}
}

func groupCount(t *testing.T, db *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestGroupCreateValid(t *testing.T) {
	s, _ := groupTestStore(t)
	ctx := context.Background()
	g, err := s.CreateGroup(ctx, groupAdmin, GroupInput{Name: "Vorstand", Description: "Der Vorstand des Vereins"})
	if err != nil {
		t.Fatal(err)
	}
	if !validate.UUID(g.ID) || g.Name != "Vorstand" || g.Slug != "vorstand" || g.Description != "Der Vorstand des Vereins" || g.MemberCount != 0 {
		t.Fatalf("created %+v", g)
	}
	if g.CreatedAt.IsZero() || g.UpdatedAt.IsZero() {
		t.Fatalf("timestamps not set: %+v", g)
	}
	got, err := s.GroupByID(ctx, groupAdmin, g.ID)
	if err != nil || got != g {
		t.Fatalf("read back %+v, %v; want %+v", got, err, g)
	}
}

func TestGroupCreateValidation(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	long := strings.Repeat("ä", GroupNameMax+1) // characters, not bytes
	cases := []struct {
		name      string
		in        GroupInput
		field, id string
	}{
		{"name missing", GroupInput{}, "name", validate.Required},
		{"name only spaces", GroupInput{Name: "   "}, "name", validate.Required},
		{"name over 100 characters", GroupInput{Name: long}, "name", validate.TooLong},
		{"name with control character", GroupInput{Name: "Jugend\x00"}, "name", validate.BadChars},
		{"name with newline", GroupInput{Name: "Jugend\nGruppe"}, "name", validate.BadChars},
		{"description over 500", GroupInput{Name: "Ok", Description: strings.Repeat("x", GroupDescriptionMax+1)}, "description", validate.TooLong},
		{"empty slug refused", GroupInput{Name: "!!! ???"}, "name", ErrGroupNameNoSlug},
		{"name without latin letters", GroupInput{Name: "日本"}, "name", ErrGroupNameNoSlug},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateGroup(ctx, groupAdmin, c.in)
			groupWantField(t, err, c.field, c.id)
		})
	}
	if n := groupCount(t, db, `SELECT count(*) FROM groups`); n != 0 {
		t.Fatalf("%d groups created by invalid input", n)
	}

	// Exactly at the limits is fine.
	g, err := s.CreateGroup(ctx, groupAdmin, GroupInput{
		Name: strings.Repeat("ä", GroupNameMax), Description: strings.Repeat("ö", GroupDescriptionMax)})
	if err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if len([]rune(g.Name)) != GroupNameMax {
		t.Fatalf("name stored with %d characters", len([]rune(g.Name)))
	}
}

func TestGroupCreateDescriptionMayBeEmptyAndNameTrimmed(t *testing.T) {
	s, _ := groupTestStore(t)
	g, err := s.CreateGroup(context.Background(), groupAdmin, GroupInput{Name: "  Jugend  \t", Description: ""})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Jugend" || g.Description != "" || g.Slug != "jugend" {
		t.Fatalf("got %+v", g)
	}
	// A multi-line description is fine, and trimmed.
	g, err = s.CreateGroup(context.Background(), groupAdmin, GroupInput{Name: "Chor", Description: " Line one\nLine two \n"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Description != "Line one\nLine two" {
		t.Fatalf("description %q", g.Description)
	}
}

func TestGroupNameUnique(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	groupTestCreate(t, s, "Jugend")
	for _, name := range []string{"Jugend", "JUGEND", "jugend", " jUgEnD "} {
		_, err := s.CreateGroup(ctx, groupAdmin, GroupInput{Name: name})
		groupWantField(t, err, "name", ErrGroupNameTaken)
	}
	// Case folding beyond ASCII, as the lower(name) index does it.
	groupTestCreate(t, s, "Ärzte")
	_, err := s.CreateGroup(ctx, groupAdmin, GroupInput{Name: "ÄRZTE"})
	groupWantField(t, err, "name", ErrGroupNameTaken)
	if n := groupCount(t, db, `SELECT count(*) FROM groups`); n != 2 {
		t.Fatalf("%d groups, want 2", n)
	}
}

func TestGroupSlug(t *testing.T) {
	s, _ := groupTestStore(t)
	cases := []struct{ name, slug string }{
		{"Jugendgruppe", "jugendgruppe"},                        // generated on create
		{"Übungsleiter Größe", "ubungsleiter-grosse"},           // umlauts and ß
		{"VORSTAND", "vorstand"},                                // lower-cased
		{"Chor & Orchester!", "chor-orchester"},                 // special characters removed
		{"Senioren   der  Abteilung", "senioren-der-abteilung"}, // spaces to hyphens
		{"--Kasse--", "kasse"},                                  // no leading/trailing hyphens
		{"New", "new-2"},                                        // reserved: /groups/new is the create form
		{"None", "none-2"},                                      // reserved: group=none means "no group"
	}
	for _, c := range cases {
		if g := groupTestCreate(t, s, c.name); g.Slug != c.slug {
			t.Errorf("slug of %q = %q, want %q", c.name, g.Slug, c.slug)
		}
	}

	// Cut to 100 characters, at a word boundary.
	long := strings.Repeat("abcdefghi ", 15) // 150 characters
	g := groupTestCreate(t, s, strings.TrimSpace(long[:99]))
	if len(g.Slug) > 100 {
		t.Fatalf("slug of %d characters", len(g.Slug))
	}
	word := strings.Repeat("x", 100)
	g1 := groupTestCreate(t, s, word)
	if g1.Slug != word {
		t.Fatalf("slug %q", g1.Slug)
	}
	// The same 100-character slug again gets a suffix and still fits.
	g2 := groupTestCreate(t, s, strings.Repeat("x", 99)+"\u1e8b") // ẋ: another name, the same slug
	if g2.Slug != strings.Repeat("x", 98)+"-2" {
		t.Fatalf("slug %q (%d)", g2.Slug, len(g2.Slug))
	}
}

func TestGroupSlugUnique(t *testing.T) {
	s, _ := groupTestStore(t)
	a := groupTestCreate(t, s, "Team A")
	b := groupTestCreate(t, s, "Team-A")
	c := groupTestCreate(t, s, "team a!")
	if a.Slug != "team-a" || b.Slug != "team-a-2" || c.Slug != "team-a-3" {
		t.Fatalf("slugs %q %q %q", a.Slug, b.Slug, c.Slug)
	}
	// Same name → same slug → refused (as a duplicate name).
	_, err := s.CreateGroup(context.Background(), groupAdmin, GroupInput{Name: "Team A"})
	groupWantField(t, err, "name", ErrGroupNameTaken)
}

func TestGroupSlugRace(t *testing.T) {
	s, db := groupTestStore(t)
	// Different names, one slug: every creator must win a slug of its own.
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.CreateGroup(context.Background(), groupAdmin, GroupInput{Name: "Team" + strings.Repeat("!", i+1)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("creator %d: %v", i, err)
		}
	}
	if got := groupCount(t, db, `SELECT count(DISTINCT slug) FROM groups WHERE slug ~ '^team(-[0-9]+)?$'`); got != n {
		t.Fatalf("%d distinct slugs, want %d", got, n)
	}
}

func TestGroupCreateRaceCaseOnly(t *testing.T) {
	s, db := groupTestStore(t)
	// 20 spellings of one name differing only in case.
	names := make([]string, 20)
	for i := range names {
		b := []byte("jugendgruppe")
		for j := range 5 { // bit j of i upper-cases letter j: 20 distinct spellings
			if i>>j&1 == 1 {
				b[j] -= 'a' - 'A'
			}
		}
		names[i] = string(b)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = s.CreateGroup(context.Background(), groupAdmin, GroupInput{Name: name})
		}()
	}
	close(start)
	wg.Wait()
	ok, taken := 0, 0
	for _, err := range errs {
		switch fe, isField := validate.As(err); {
		case err == nil:
			ok++
		case isField && fe["name"].ID == ErrGroupNameTaken:
			taken++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || taken != 19 {
		t.Fatalf("%d created, %d taken; want 1 and 19", ok, taken)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM groups`); n != 1 {
		t.Fatalf("%d groups", n)
	}
}

// TestGroupNameIndexBecomesFieldError proves the race path directly: the
// unique index fires inside the INSERT (the check before it saw nothing,
// because the other transaction had not committed) and the violation is
// turned into the field error.
func TestGroupNameIndexBecomesFieldError(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `INSERT INTO groups (name, slug) VALUES ('Kasse', 'other-slug')`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := s.CreateGroup(ctx, groupAdmin, GroupInput{Name: "KASSE"})
		done <- err
	}()
	// Wait until CreateGroup blocks on our uncommitted index entry.
	for groupCount(t, db, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO groups%'`) == 0 {
		select {
		case err := <-done:
			t.Fatalf("CreateGroup did not wait: %v", err)
		case <-time.After(5 * time.Millisecond): // poll gently
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	groupWantField(t, <-done, "name", ErrGroupNameTaken)
}

func TestGroupReadBySlugAndID(t *testing.T) {
	s, _ := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Übungsleiter")
	got, err := s.GroupBySlug(ctx, groupAdmin, "ubungsleiter")
	if err != nil || got.ID != g.ID {
		t.Fatalf("by slug: %+v, %v", got, err)
	}
	for _, bad := range []string{"nope", "UBUNGSLEITER", "../x", "", strings.Repeat("a", 101)} {
		if _, err := s.GroupBySlug(ctx, groupAdmin, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("slug %q: %v, want not found", bad, err)
		}
	}
	for _, bad := range []string{"0190a000-0000-7000-8000-000000000000", "not-a-uuid", "", "'; DROP TABLE groups; --"} {
		if _, err := s.GroupByID(ctx, groupAdmin, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("id %q: %v, want not found", bad, err)
		}
	}
}

func TestGroupUpdate(t *testing.T) {
	s, _ := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	other := groupTestCreate(t, s, "Senioren")

	up, err := s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: "  Jugendabteilung ", Description: "Alle unter 18"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Jugendabteilung" || up.Description != "Alle unter 18" {
		t.Fatalf("updated %+v", up)
	}
	if up.Slug != "jugend" {
		t.Fatalf("slug changed to %q", up.Slug)
	}
	if up.UpdatedAt.Before(g.UpdatedAt) || up.CreatedAt != g.CreatedAt {
		t.Fatalf("timestamps %v/%v → %v/%v", g.CreatedAt, g.UpdatedAt, up.CreatedAt, up.UpdatedAt)
	}
	// Changing only the case of its own name is allowed.
	if _, err := s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: "JUGENDABTEILUNG"}); err != nil {
		t.Fatalf("own name in other case: %v", err)
	}
	// Another group's name, in any case, is refused.
	_, err = s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: "senioren"})
	groupWantField(t, err, "name", ErrGroupNameTaken)
	// Validation as on create.
	_, err = s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: ""})
	groupWantField(t, err, "name", validate.Required)
	_, err = s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: "x", Description: strings.Repeat("d", 501)})
	groupWantField(t, err, "description", validate.TooLong)
	// A name that would make no slug is fine on update: the slug stays.
	up, err = s.UpdateGroup(ctx, groupAdmin, g.ID, GroupInput{Name: "日本"})
	if err != nil || up.Slug != "jugend" {
		t.Fatalf("rename to 日本: %+v, %v", up, err)
	}
	got, _ := s.GroupByID(ctx, groupAdmin, other.ID)
	if got.Name != "Senioren" {
		t.Fatalf("other group changed: %+v", got)
	}
	if _, err := s.UpdateGroup(ctx, groupAdmin, "0190a000-0000-7000-8000-000000000000", GroupInput{Name: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	if _, err := s.UpdateGroup(ctx, groupAdmin, "bad", GroupInput{Name: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update malformed: %v", err)
	}
}

func TestGroupDeleteKeepsMembers(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	g := groupTestCreate(t, s, "Jugend")
	keep := groupTestCreate(t, s, "Chor")
	ids := groupTestMembers(t, db, 3)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, g.ID, ids); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMemberToGroups(ctx, groupAdmin, ids[0], []string{keep.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, groupAdmin, g.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GroupByID(ctx, groupAdmin, g.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted group still readable: %v", err)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE group_id = $1`, g.ID); n != 0 {
		t.Fatalf("%d memberships left", n)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM members`); n != 3 {
		t.Fatalf("%d members left, want 3", n)
	}
	if n := groupCount(t, db, `SELECT count(*) FROM member_groups WHERE group_id = $1`, keep.ID); n != 1 {
		t.Fatalf("other group's membership gone")
	}
	if err := s.DeleteGroup(ctx, groupAdmin, g.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.DeleteGroup(ctx, groupAdmin, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("malformed delete: %v", err)
	}
	if err := CheckGroupConsistency(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestGroupList(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	jugend := groupTestCreate(t, s, "Jugendgruppe")
	chor := groupTestCreate(t, s, "Chor")
	groupTestCreate(t, s, "Ärzte")
	groupTestCreate(t, s, "Zeugwart")
	ids := groupTestMembers(t, db, 5)
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, chor.ID, ids[:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMembersToGroup(ctx, groupAdmin, jugend.ID, ids); err != nil {
		t.Fatal(err)
	}
	names := func(gs []Group) string {
		var out []string
		for _, g := range gs {
			out = append(out, fmt.Sprintf("%s:%d", g.Name, g.MemberCount))
		}
		return strings.Join(out, " ")
	}
	cases := []struct {
		opt  GroupListOptions
		want string
	}{
		{GroupListOptions{}, "Ärzte:0 Chor:3 Jugendgruppe:5 Zeugwart:0"}, // Ä sorts as A
		{GroupListOptions{Desc: true}, "Zeugwart:0 Jugendgruppe:5 Chor:3 Ärzte:0"},
		{GroupListOptions{Sort: GroupSortMemberCount, Desc: true}, "Jugendgruppe:5 Chor:3 Ärzte:0 Zeugwart:0"},
		{GroupListOptions{Sort: GroupSortMemberCount}, "Ärzte:0 Zeugwart:0 Chor:3 Jugendgruppe:5"},
		{GroupListOptions{Q: "JUGEND"}, "Jugendgruppe:5"},
		{GroupListOptions{Q: "gruppe"}, "Jugendgruppe:5"},
		{GroupListOptions{Q: "arzt"}, "Ärzte:0"}, // accent-insensitive
		{GroupListOptions{Q: "%"}, ""},           // no LIKE wildcards
		{GroupListOptions{Q: "  "}, "Ärzte:0 Chor:3 Jugendgruppe:5 Zeugwart:0"},
		// Normalised: invalid UTF-8 and NUL dropped, an unknown sort by name.
		{GroupListOptions{Q: " ju\x00gend\xff "}, "Jugendgruppe:5"},
		{GroupListOptions{Sort: "password", Desc: true}, "Zeugwart:0 Jugendgruppe:5 Chor:3 Ärzte:0"},
	}
	for _, c := range cases {
		list, err := s.ListGroups(ctx, groupReadOnly, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(list.Groups); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.opt, got, c.want)
		}
		if o := list.Options; o.Sort != GroupSortName && o.Sort != GroupSortMemberCount || strings.ContainsAny(o.Q, "\x00\ufffd") || o.Q != strings.TrimSpace(o.Q) {
			t.Errorf("%+v: options not normalised: %+v", c.opt, o)
		}
	}
	long, err := s.ListGroups(ctx, groupReadOnly, GroupListOptions{Q: strings.Repeat("ä", GroupNameMax+5)})
	if err != nil || len([]rune(long.Options.Q)) != GroupNameMax {
		t.Errorf("a long search: %d characters kept, %v", len([]rune(long.Options.Q)), err)
	}
}
