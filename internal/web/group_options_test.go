package web

import (
	"bytes"
	"context"
	"testing"

	"mila/internal/membership"
)

// TestCachedGroupOptions: the kept options are byte for byte what
// groupOptions renders, for each selected group, and a changed list of
// groups (a renamed, an added, a removed group) is rendered anew, never
// served from the rendering of the list before.
func TestCachedGroupOptions(t *testing.T) {
	check := func(groups []membership.GroupChoice, selected string) {
		t.Helper()
		var want, got bytes.Buffer
		if err := groupOptions(groups, selected).Render(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second time from the cache
			got.Reset()
			if err := cachedGroupOptions(groups, selected).Render(context.Background(), &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("selected %q: cached\n%s\nwant\n%s", selected, got.String(), want.String())
			}
		}
	}
	groups := []membership.GroupChoice{{ID: "1", Name: "Chor <Alt>", Slug: "chor-alt"}, {ID: "2", Name: "Yoga", Slug: "yoga"}}
	for _, sel := range []string{"", "yoga", "chor-alt", "none"} {
		check(groups, sel)
	}
	renamed := []membership.GroupChoice{{ID: "1", Name: "Chor & Alt", Slug: "chor-alt"}, {ID: "2", Name: "Yoga", Slug: "yoga"}}
	check(renamed, "")
	check(renamed, "yoga")
	added := append(renamed, membership.GroupChoice{ID: "3", Name: "Zumba", Slug: "zumba"})
	check(added, "")
	check(added[1:], "")
	check(nil, "")
	check(groups, "yoga") // back to the first list
}
