package importer_test

import (
	"testing"

	"mila/internal/importer"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// TestEmailSharedByAHousehold: members may share an address (migration
// 00026). Matching by email, a row whose address several members have is
// an error that says how many — never a guess at one of them; a row whose
// address one member has updates that member; and a new member may bring
// an address others already have when the import matches by something
// else.
func TestEmailSharedByAHousehold(t *testing.T) {
	t.Parallel()
	db := testpg.New(t)
	birth := field(t, db, membership.CustomFieldInput{Name: "Geburtsdatum", ValueType: membership.CustomFieldDate})
	member(t, db, membership.MemberInput{FirstName: "Anna", LastName: "Müller", Email: "familie@example.org", Custom: map[string]string{birth.Slug: "1980-01-01"}})
	member(t, db, membership.MemberInput{FirstName: "Ben", LastName: "Müller", Email: "Familie@example.org", Custom: map[string]string{birth.Slug: "2010-05-05"}})
	member(t, db, membership.MemberInput{FirstName: "Eva", LastName: "Lang", Email: "eva@example.org"})

	b := dryRun(t, db, csvFile("E-Mail,Vorname,Nachname,Ort\n"+
		"FAMILIE@example.org,Anna,Müller,Köln\n"+
		"eva@example.org,Eva,Lang,Bonn\n"), importer.Options{Match: importer.MatchEmail})
	rs := rows(t, db, b.ID)
	if got := rowErrs(rs[0]); got != "E-Mail:"+importer.MsgRowAmbiguousEmail {
		t.Fatalf("shared address: errors %q, want the ambiguity", got)
	}
	if n := rs[0].Errors[0].Msg.Data["Count"]; n != float64(2) {
		t.Errorf("the ambiguity names %v members, want 2", n)
	}
	if rs[0].MemberID != "" {
		t.Errorf("the ambiguous row was matched to %s", rs[0].MemberID)
	}
	if rs[1].Status != importer.StatusUpdate || rowErrs(rs[1]) != "" {
		t.Errorf("one member's address: %+v", rs[1])
	}

	// Matching by name and birth date, a third family member with the
	// shared address is new, not an error.
	b = dryRun(t, db, csvFile("E-Mail,Vorname,Nachname,Geburtsdatum\n"+
		"familie@example.org,Carla,Müller,2012-07-07\n"+
		"Familie@example.org,Ben,Müller,2010-05-05\n"), importer.Options{Match: importer.MatchNameBirth, BirthField: birth.Slug})
	rs = rows(t, db, b.ID)
	if rs[0].Status != importer.StatusNew || rowErrs(rs[0]) != "" {
		t.Errorf("new family member: status %s, errors %q", rs[0].Status, rowErrs(rs[0]))
	}
	if rs[1].Status != importer.StatusUnchanged || rowErrs(rs[1]) != "" {
		t.Errorf("Ben again: status %s, errors %q", rs[1].Status, rowErrs(rs[1]))
	}
	b = commit(t, db, b, false)
	var n int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM members WHERE email = 'familie@example.org'`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d members with the family address after the import (%v), want 3; batch %+v", n, err, b)
	}
}
