package membership

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

var (
	memberTestAdmin     = authz.Actor{UserID: "0190a000-0000-7000-8000-000000000001", Set: authz.Admin}
	memberTestTreasurer = authz.Actor{UserID: "0190a000-0000-7000-8000-000000000002", Set: authz.NormalUser}
	memberTestBoard     = authz.Actor{UserID: "0190a000-0000-7000-8000-000000000003", Set: authz.ReadOnly}
)

func memberTestOwn(memberID string) authz.Actor {
	return authz.Actor{UserID: "0190a000-0000-7000-8000-000000000004", Set: authz.OwnData, MemberID: memberID}
}

func memberTestStore(t *testing.T) (*Members, *pgxpool.Pool) {
	t.Helper()
	db := testpg.New(t)
	return NewMembers(db), db
}

func memberTestCreate(t *testing.T, s *Members, in MemberInput) Member {
	t.Helper()
	m, err := s.Create(context.Background(), memberTestAdmin, in)
	if err != nil {
		t.Fatalf("create member %+v: %v", in, err)
	}
	return m
}

// memberTestWantField fails unless err is a validation error with id on field.
func memberTestWantField(t *testing.T, err error, field, id string) {
	t.Helper()
	fe, ok := validate.As(err)
	if !ok {
		t.Fatalf("want field error %s on %s, got %v", id, field, err)
	}
	if got := fe[field].ID; got != id {
		t.Fatalf("want field error %s on %s, got %v", id, field, fe)
	}
}

func TestMemberCreateAndGet(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	m := memberTestCreate(t, s, MemberInput{
		FirstName: "  Jürgen ", LastName: "Müller", Email: "JUERGEN@example.org", Phone: "+49 30 123",
		Street: "Hauptstraße", HouseNumber: "5a", PostalCode: "10115", City: "Berlin", Country: "Deutschland",
		JoinDate: "2020-02-29", Notes: "Zeile 1\nZeile 2",
	})
	if m.FirstName != "Jürgen" || m.Email != "JUERGEN@example.org" || m.Version != 1 {
		t.Fatalf("created %+v", m)
	}
	if m.JoinDate.Format(dateLayout) != "2020-02-29" || m.ExitDate != nil {
		t.Fatalf("dates %v %v", m.JoinDate, m.ExitDate)
	}
	got, err := s.Get(ctx, memberTestBoard, m.ID)
	if err != nil || got.Notes != "Zeile 1\nZeile 2" || got.City != "Berlin" {
		t.Fatalf("get: %+v %v", got, err)
	}
	// Join date defaults to today.
	m2 := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens"})
	if want := dateOnly(time.Now()); !m2.JoinDate.Equal(want) {
		t.Fatalf("default join date %v, want %v", m2.JoinDate, want)
	}
	if _, err := s.Get(ctx, memberTestAdmin, "not-a-uuid"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("malformed id: %v", err)
	}
	if _, err := s.Get(ctx, memberTestAdmin, "0190a000-0000-7000-8000-00000000ffff"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestMemberValidationLimits(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	// ä is two bytes: limits count characters, not bytes.
	text := func(n int) string { return strings.Repeat("ä", n) }
	base := func() MemberInput { return MemberInput{FirstName: "Anna", LastName: "Ahrens"} }
	type fieldCase struct {
		field string
		set   func(*MemberInput, string)
	}
	fields := []fieldCase{
		{"first_name", func(in *MemberInput, v string) { in.FirstName = v }},
		{"last_name", func(in *MemberInput, v string) { in.LastName = v }},
		{"phone", func(in *MemberInput, v string) { in.Phone = v }},
		{"street", func(in *MemberInput, v string) { in.Street = v }},
		{"house_number", func(in *MemberInput, v string) { in.HouseNumber = v }},
		{"postal_code", func(in *MemberInput, v string) { in.PostalCode = v }},
		{"city", func(in *MemberInput, v string) { in.City = v }},
		{"country", func(in *MemberInput, v string) { in.Country = v }},
		{"notes", func(in *MemberInput, v string) { in.Notes = v }},
	}
	for _, f := range fields {
		max := MemberFieldMax[f.field]
		t.Run(f.field, func(t *testing.T) {
			in := base()
			f.set(&in, text(max))
			if _, err := s.Create(ctx, memberTestAdmin, in); err != nil {
				t.Fatalf("%d characters: %v", max, err)
			}
			in = base()
			f.set(&in, text(max+1))
			_, err := s.Create(ctx, memberTestAdmin, in)
			memberTestWantField(t, err, f.field, validate.TooLong)
		})
	}
	t.Run("required names", func(t *testing.T) {
		_, err := s.Create(ctx, memberTestAdmin, MemberInput{FirstName: "   ", LastName: ""})
		memberTestWantField(t, err, "first_name", validate.Required)
		memberTestWantField(t, err, "last_name", validate.Required)
	})
	t.Run("control characters", func(t *testing.T) {
		_, err := s.Create(ctx, memberTestAdmin, MemberInput{FirstName: "An\x00na", LastName: "B\u202eC"})
		memberTestWantField(t, err, "first_name", validate.BadChars)
		memberTestWantField(t, err, "last_name", validate.BadChars)
	})
	t.Run("email", func(t *testing.T) {
		for _, bad := range []string{"anna", "anna@", "@example.org", "anna@example", "Anna <anna@example.org>", "an na@example.org",
			strings.Repeat("a", 250) + "@example.org"} {
			in := base()
			in.Email = bad
			_, err := s.Create(ctx, memberTestAdmin, in)
			memberTestWantField(t, err, "email", validate.BadEmail)
		}
		in := base()
		in.Email = strings.Repeat("a", 242) + "@example.org" // 254 characters
		if _, err := s.Create(ctx, memberTestAdmin, in); err != nil {
			t.Fatalf("254-character email: %v", err)
		}
	})
	t.Run("dates", func(t *testing.T) {
		for _, c := range []struct {
			join, exit, field, id string
		}{
			{"2020-13-01", "", "join_date", validate.BadDate},
			{"01.02.2020", "", "join_date", validate.BadDate},
			{"1799-12-31", "", "join_date", validate.DateRange},
			{"3000-01-01", "", "join_date", validate.DateRange},
			{"2020-01-01", "2019-12-31", "exit_date", ErrMemberExitBeforeJoin},
			{"2020-01-01", "3000-01-01", "exit_date", validate.DateRange},
			{"2020-01-01", "yesterday", "exit_date", validate.BadDate},
		} {
			in := base()
			in.JoinDate, in.ExitDate = c.join, c.exit
			_, err := s.Create(ctx, memberTestAdmin, in)
			memberTestWantField(t, err, c.field, c.id)
		}
		for _, ok := range [][2]string{{"1800-01-01", "1800-01-01"}, {"2999-12-31", "2999-12-31"}, {"2020-01-01", "2020-01-01"}} {
			in := base()
			in.JoinDate, in.ExitDate = ok[0], ok[1]
			if _, err := s.Create(ctx, memberTestAdmin, in); err != nil {
				t.Fatalf("dates %v: %v", ok, err)
			}
		}
	})
}

// Members of one household share an address (migration 00026): creating
// and changing a member to another member's address, in any case, works.
func TestMemberEmailSharedByAFamily(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	a := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "A", Email: "anna@example.org"})
	if _, err := s.Create(ctx, memberTestAdmin, MemberInput{FirstName: "Anna", LastName: "B", Email: "ANNA@Example.ORG"}); err != nil {
		t.Fatalf("second member with the address: %v", err)
	}
	b := memberTestCreate(t, s, MemberInput{FirstName: "Bernd", LastName: "B", Email: "bernd@example.org"})
	if _, err := s.Update(ctx, memberTestAdmin, b.ID, MemberInput{FirstName: "Bernd", LastName: "B", Email: "Anna@example.org", Version: b.Version}); err != nil {
		t.Fatalf("third member changed to the address: %v", err)
	}
	// A member keeps its own address, in another case too.
	if _, err := s.Update(ctx, memberTestAdmin, a.ID, MemberInput{FirstName: "Anna", LastName: "A", Email: "Anna@Example.org", Version: a.Version}); err != nil {
		t.Fatalf("own email in another case: %v", err)
	}
	// Several members without email do not collide.
	memberTestCreate(t, s, MemberInput{FirstName: "C", LastName: "C"})
	memberTestCreate(t, s, MemberInput{FirstName: "D", LastName: "D"})
}

func TestMemberUpdateOptimisticLocking(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	m := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens"})
	first, err := s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens-Berg", Version: m.Version})
	if err != nil {
		t.Fatal(err)
	}
	if first.Version != m.Version+1 || first.LastName != "Ahrens-Berg" {
		t.Fatalf("after update: %+v", first)
	}
	// A second editor who opened the form at the old version is refused,
	// and nothing of theirs is written.
	_, err = s.Update(ctx, memberTestTreasurer, m.ID, MemberInput{FirstName: "Anne", LastName: "Ahrens", Version: m.Version})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	got, _ := s.Get(ctx, memberTestAdmin, m.ID)
	if got.FirstName != "Anna" || got.LastName != "Ahrens-Berg" || got.Version != first.Version {
		t.Fatalf("stale update wrote: %+v", got)
	}
	if err := s.Delete(ctx, memberTestAdmin, m.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Update(ctx, memberTestAdmin, m.ID, MemberInput{FirstName: "A", LastName: "B", Version: got.Version})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of deleted member: %v", err)
	}
}

func TestMemberDeleteTakesValuesAndMemberships(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	fields := NewCustomFields(db)
	f, err := fields.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Spitzname", ValueType: CustomFieldString})
	if err != nil {
		t.Fatal(err)
	}
	m := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens", Email: "anna@example.org",
		Custom: map[string]string{f.Slug: "Annie"}})
	var userID string
	if err := db.QueryRow(ctx, `INSERT INTO users (email, role_id, member_id)
		VALUES ('anna@example.org', (SELECT id FROM roles WHERE system_key = 'member'), $1) RETURNING id`, m.ID).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Jugend", "Chor"} {
		if _, err := db.Exec(ctx, `WITH g AS (INSERT INTO groups (name, slug) VALUES ($1, lower($1)) RETURNING id)
			INSERT INTO member_groups (member_id, group_id) SELECT $2, id FROM g`, name, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeletionPreview(ctx, memberTestTreasurer, m.ID); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("treasurer preview: %v", err)
	}
	d, err := s.DeletionPreview(ctx, memberTestAdmin, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.CustomValueCount != 1 || d.GroupCount != 2 || d.LinkedUserEmail != "anna@example.org" {
		t.Fatalf("preview %+v", d)
	}
	// From a member already read (the member page): the same, and the
	// same refusal.
	read, err := s.Get(ctx, memberTestAdmin, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if of, err := s.DeletionPreviewOf(ctx, memberTestAdmin, read); err != nil || of.CustomValueCount != 1 || of.GroupCount != 2 || of.LinkedUserEmail != "anna@example.org" {
		t.Fatalf("preview of the read member %+v, %v", of, err)
	}
	if _, err := s.DeletionPreviewOf(ctx, memberTestTreasurer, read); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("treasurer preview of the read member: %v", err)
	}
	if err := s.Delete(ctx, memberTestTreasurer, m.ID); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("treasurer delete: %v", err)
	}
	if err := s.Delete(ctx, memberTestAdmin, m.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, memberTestAdmin, m.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	var values, memberships, groupMembers int
	var linked *string
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM custom_field_values), (SELECT count(*) FROM member_groups),
		(SELECT sum(member_count) FROM groups), (SELECT member_id::text FROM users WHERE id = $1)`, userID).
		Scan(&values, &memberships, &groupMembers, &linked); err != nil {
		t.Fatal(err)
	}
	if values != 0 || memberships != 0 || groupMembers != 0 || linked != nil {
		t.Fatalf("left behind: %d values, %d memberships, %d counted, user linked to %v", values, memberships, groupMembers, linked)
	}
}

// own_data reads and edits only the linked member; the other sets by the table.
func TestMemberScopes(t *testing.T) {
	s, _ := memberTestStore(t)
	ctx := context.Background()
	a := memberTestCreate(t, s, MemberInput{FirstName: "Anna", LastName: "Ahrens"})
	b := memberTestCreate(t, s, MemberInput{FirstName: "Bernd", LastName: "Bauer"})
	own := memberTestOwn(a.ID)

	if _, err := s.Get(ctx, own, a.ID); err != nil {
		t.Fatalf("own_data reads own member: %v", err)
	}
	if _, err := s.Get(ctx, own, b.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("own_data reads another member: %v", err)
	}
	if _, err := s.Update(ctx, own, a.ID, MemberInput{FirstName: "Anna", LastName: "Ahrens-Neu", Version: a.Version}); err != nil {
		t.Fatalf("own_data edits own member: %v", err)
	}
	if _, err := s.Update(ctx, own, b.ID, MemberInput{FirstName: "X", LastName: "Y", Version: b.Version}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("own_data edits another member: %v", err)
	}
	if got, _ := s.Get(ctx, memberTestAdmin, b.ID); got.FirstName != "Bernd" {
		t.Fatalf("another member changed: %+v", got)
	}
	if _, err := s.Create(ctx, own, MemberInput{FirstName: "X", LastName: "Y"}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("own_data creates: %v", err)
	}
	if err := s.Delete(ctx, own, a.ID); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("own_data deletes: %v", err)
	}
	page, err := s.List(ctx, own, MemberQuery{Status: MemberStatusAll})
	if err != nil || page.Total != 1 || len(page.Rows) != 1 || page.Rows[0].ID != a.ID {
		t.Fatalf("own_data list: %+v %v", page, err)
	}
	if rows, err := s.Search(ctx, own, "Bauer", 10); err != nil || len(rows) != 0 {
		t.Fatalf("own_data search finds others: %v %v", rows, err)
	}
	// Without a linked member own_data sees nothing.
	page, err = s.List(ctx, memberTestOwn(""), MemberQuery{})
	if err != nil || page.Total != 0 {
		t.Fatalf("unlinked own_data list: %+v %v", page, err)
	}
	if _, err := s.Get(ctx, memberTestOwn(""), a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unlinked own_data get: %v", err)
	}
	// Board reads all and changes nothing.
	if page, err := s.List(ctx, memberTestBoard, MemberQuery{}); err != nil || page.Total != 2 {
		t.Fatalf("board list: %+v %v", page, err)
	}
	if _, err := s.Update(ctx, memberTestBoard, b.ID, MemberInput{FirstName: "X", LastName: "Y", Version: b.Version}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("board edits: %v", err)
	}
	if _, err := s.Create(ctx, memberTestBoard, MemberInput{FirstName: "X", LastName: "Y"}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("board creates: %v", err)
	}
	// Nobody signed in: nothing.
	if _, err := s.List(ctx, authz.Anonymous, MemberQuery{}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("anonymous list: %v", err)
	}
}

// TestMemberSelfEditKeepsClubFields: a member editing their own record
// (own_data) changes contact data and member-editable custom fields;
// join date, exit date, notes and the other custom fields keep their
// values — left out or unchanged they are fine, changed they are a field
// error and nothing is saved.
func TestMemberSelfEditKeepsClubFields(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	cfs := NewCustomFields(db)
	mine, err := cfs.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Hobby", ValueType: CustomFieldString, MemberEditable: true})
	if err != nil {
		t.Fatal(err)
	}
	club, err := cfs.Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Beitrag", ValueType: CustomFieldInteger, Required: true})
	if err != nil {
		t.Fatal(err)
	}
	m := memberTestCreate(t, s, MemberInput{FirstName: "Olga", LastName: "Ohm", JoinDate: "2015-03-01", Notes: "bar",
		Custom: map[string]string{club.Slug: "30"}})
	own := memberTestOwn(m.ID)
	in := MemberInput{FirstName: "Olga", LastName: "Ohm-Berg", Phone: "+49 1", Version: m.Version,
		Custom: map[string]string{mine.Slug: "Chor"}} // club's fields left out
	got, err := s.Update(ctx, own, m.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastName != "Ohm-Berg" || got.Custom[mine.Slug] != "Chor" || got.Custom[club.Slug] != "30" ||
		got.JoinDate.Format(dateLayout) != "2015-03-01" || got.Notes != "bar" {
		t.Fatalf("after own save: %+v", got)
	}
	for _, tc := range []struct {
		field string
		set   func(*MemberInput)
	}{
		{"join_date", func(in *MemberInput) { in.JoinDate = "2001-01-01" }},
		{"exit_date", func(in *MemberInput) { in.ExitDate = "2030-01-01" }},
		{"notes", func(in *MemberInput) { in.Notes = "Ehrenmitglied" }},
		{club.FormName(), func(in *MemberInput) { in.Custom[club.Slug] = "0" }},
	} {
		in := MemberInput{FirstName: "Olga", LastName: "Ohm", Version: got.Version, JoinDate: "2015-03-01", Notes: "bar",
			Custom: map[string]string{mine.Slug: "Chor", club.Slug: "30"}}
		tc.set(&in)
		_, err := s.Update(ctx, own, m.ID, in)
		memberTestWantField(t, err, tc.field, ErrMemberFieldReadOnly)
	}
	if again, _ := s.Get(ctx, memberTestAdmin, m.ID); again.Version != got.Version {
		t.Fatalf("a refused own save wrote: version %d", again.Version)
	}
	// The treasurer changes them all.
	if _, err := s.Update(ctx, memberTestTreasurer, m.ID, MemberInput{FirstName: "Olga", LastName: "Ohm", JoinDate: "2001-01-01",
		Version: got.Version, Custom: map[string]string{club.Slug: "40"}}); err != nil {
		t.Fatal(err)
	}
}

// TestMemberEditable: the edit form's member, with the custom fields,
// only for an actor who may change it; to anyone else it does not exist.
func TestMemberEditable(t *testing.T) {
	s, db := memberTestStore(t)
	ctx := context.Background()
	if _, err := NewCustomFields(db).Create(ctx, memberTestAdmin, CustomFieldInput{Name: "Nummer", ValueType: CustomFieldInteger}); err != nil {
		t.Fatal(err)
	}
	own := memberTestCreate(t, s, MemberInput{FirstName: "Olga", LastName: "Own"})
	other := memberTestCreate(t, s, MemberInput{FirstName: "Peter", LastName: "Other"})
	for _, c := range []struct {
		who   string
		actor authz.Actor
		id    string
		ok    bool
	}{
		{"admin", memberTestAdmin, other.ID, true},
		{"treasurer", memberTestTreasurer, other.ID, true},
		{"own_data, own", memberTestOwn(own.ID), own.ID, true},
		{"own_data, other", memberTestOwn(own.ID), other.ID, false},
		{"board", memberTestBoard, other.ID, false},
		{"admin, malformed", memberTestAdmin, "12345", false},
	} {
		m, fields, err := s.Editable(ctx, c.actor, c.id)
		switch {
		case c.ok && (err != nil || m.ID != c.id || len(fields) != 1 || fields[0].Name != "Nummer"):
			t.Errorf("%s: %+v %v %v", c.who, m, fields, err)
		case !c.ok && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: %v, want not found", c.who, err)
		}
	}
}
