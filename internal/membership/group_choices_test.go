package membership

import (
	"context"
	"errors"
	"slices"
	"testing"

	"mila/internal/authz"
)

// TestMemberGroupChoices: the member page's one statement gives the
// member's groups (as GroupsOfMember) and the others (GroupChoices minus
// those), both by name, under GroupsOfMember's permission.
func TestMemberGroupChoices(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	anna := groupTestMember(t, db, "Anna", "Zander")
	lone := groupTestMember(t, db, "Emil", "Einsam")
	var ids []string
	for _, name := range []string{"Zeugwart", "Ärzte", "chor", "Jugend", "Vorstand"} {
		ids = append(ids, groupTestCreate(t, s, name).ID)
	}
	for _, id := range ids[:3] {
		if _, err := s.AddMembersToGroup(ctx, groupAdmin, id, []string{anna}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.GroupChoices(ctx, groupAdmin)
	if err != nil {
		t.Fatal(err)
	}
	names := func(cs []GroupChoice) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	for _, tc := range []struct {
		member   string
		in, out  []string
		withRest bool
	}{
		{anna, []string{"Ärzte", "chor", "Zeugwart"}, []string{"Jugend", "Vorstand"}, true},
		{anna, []string{"Ärzte", "chor", "Zeugwart"}, nil, false},
		{lone, []string{}, names(all), true},
	} {
		in, out, err := s.MemberGroupChoices(ctx, groupReadOnly, tc.member, tc.withRest)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(in); !slices.Equal(got, tc.in) {
			t.Errorf("in %v, want %v", got, tc.in)
		}
		if got := names(out); !slices.Equal(got, tc.out) {
			t.Errorf("others %v, want %v", got, tc.out)
		}
		full, err := s.GroupsOfMember(ctx, groupReadOnly, tc.member)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range full {
			if in[i].ID != g.ID || in[i].Slug != g.Slug {
				t.Errorf("group %d: %+v, GroupsOfMember has %+v", i, in[i], g)
			}
		}
	}
	if _, _, err := s.MemberGroupChoices(ctx, groupOwnData(lone), anna, false); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("own_data on another member: %v, want forbidden", err)
	}
	if _, _, err := s.MemberGroupChoices(ctx, groupAdmin, "nonsense", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed id: %v, want not found", err)
	}
}
