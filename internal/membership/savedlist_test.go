package membership

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

// TestSavedLists: a list keeps the view, not the rows; private lists
// are their owner's, shared ones everyone's who reads members; only the
// owner (or an admin) changes one; names are unique per owner, whatever
// the case, also in a race.
func TestSavedLists(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	s := NewSavedLists(db)
	board := authz.Actor{UserID: memberTestUser(t, db, "board@example.org"), Set: authz.ReadOnly}
	clerk := authz.Actor{UserID: memberTestUser(t, db, "clerk@example.org"), Set: authz.NormalUser}
	admin := authz.Actor{UserID: memberTestUser(t, db, "admin@example.org"), Set: authz.Admin}
	own := authz.Actor{UserID: memberTestUser(t, db, "own@example.org"), Set: authz.OwnData}

	view := MemberQuery{Q: "  Müller ", Status: MemberStatusAll, Group: "jugend-u14", Sort: MemberSortCity, Dir: MemberDirDesc, Page: 7, PerPage: 25}
	mine, err := s.Create(ctx, board, SavedListInput{Name: "  Jugend  "}, view)
	if err != nil {
		t.Fatal(err)
	}
	want := MemberQuery{Q: "Müller", Status: MemberStatusAll, Group: "jugend-u14", Sort: MemberSortCity, Dir: MemberDirDesc, PerPage: 25}
	if mine.Name != "Jugend" || mine.Shared || !mine.Mine || !reflect.DeepEqual(mine.Query, want) {
		t.Errorf("created %+v, want the view without its page, name trimmed, private", mine)
	}
	shared, err := s.Create(ctx, clerk, SavedListInput{Name: "Telefonliste", Shared: true}, MemberQuery{Status: "bogus", Dir: "sideways"})
	if err != nil {
		t.Fatal(err)
	}
	if shared.Query.Status != MemberStatusActive || shared.Query.Dir != "" {
		t.Errorf("unknown status and direction kept: %+v", shared.Query)
	}

	names := func(a authz.Actor) string {
		ls, err := s.List(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range ls {
			out = append(out, l.Name)
		}
		return strings.Join(out, ",")
	}
	if got := names(board); got != "Jugend,Telefonliste" {
		t.Errorf("board sees %q", got)
	}
	if got := names(clerk); got != "Telefonliste" {
		t.Errorf("clerk sees %q (the board's private list must not show)", got)
	}
	if _, err := s.Get(ctx, clerk, mine.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("clerk opens the board's private list: %v", err)
	}
	if _, err := s.List(ctx, own); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("own_data lists: %v", err)
	}
	if _, err := s.Create(ctx, own, SavedListInput{Name: "Ich"}, MemberQuery{}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("own_data creates: %v", err)
	}

	// Only the owner (or an admin) renames, shares or deletes.
	if _, err := s.Update(ctx, board, shared.ID, SavedListInput{Name: "Meins"}); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("board renames the clerk's shared list: %v", err)
	}
	if err := s.Delete(ctx, board, shared.ID); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("board deletes the clerk's shared list: %v", err)
	}
	renamed, err := s.Update(ctx, board, mine.ID, SavedListInput{Name: "Jugend U14", Shared: true})
	if err != nil || renamed.Name != "Jugend U14" || !renamed.Shared || !reflect.DeepEqual(renamed.Query, want) {
		t.Fatalf("rename: %+v %v", renamed, err)
	}
	if got := names(clerk); got != "Jugend U14,Telefonliste" {
		t.Errorf("clerk sees %q after sharing", got)
	}
	if _, err := s.Update(ctx, admin, shared.ID, SavedListInput{Name: "Telefonliste Trainer", Shared: true}); err != nil {
		t.Errorf("admin renames a shared list: %v", err)
	}

	// Names: required, at most 100 characters, unique per owner in any case.
	for _, bad := range []struct{ name, msg string }{
		{"   ", validate.Required}, {strings.Repeat("ü", 101), validate.TooLong}, {"JUGEND u14", ErrSavedListNameTaken},
	} {
		_, err := s.Create(ctx, board, SavedListInput{Name: bad.name}, MemberQuery{})
		fe, ok := validate.As(err)
		if !ok || fe["name"].ID != bad.msg {
			t.Errorf("name %q: %v, want %s", bad.name, err, bad.msg)
		}
	}
	if _, err := s.Create(ctx, clerk, SavedListInput{Name: "Jugend U14"}, MemberQuery{}); err != nil {
		t.Errorf("another owner may use the same name: %v", err)
	}
	// Two saves of the same new name at once: one list, and the other
	// gets the same field error as the check.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Create(ctx, board, SavedListInput{Name: "Rennen"}, MemberQuery{})
		}()
	}
	wg.Wait()
	ok, taken := 0, 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if fe, isField := validate.As(err); isField && fe["name"].ID == ErrSavedListNameTaken {
			taken++
		} else {
			t.Errorf("race: %v", err)
		}
	}
	if ok != 1 || taken != 1 {
		t.Errorf("race: %d saved, %d refused as taken", ok, taken)
	}

	if l, err := s.Named(ctx, clerk, "jugend u14"); err != nil || !l.Mine {
		t.Errorf("Named prefers the own list: %+v %v", l, err)
	}
	if err := s.Delete(ctx, board, mine.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, board, mine.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted list still there: %v", err)
	}
}
