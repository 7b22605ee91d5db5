package membership

import (
	"context"
	"testing"

	"mila/internal/authz"
	"mila/internal/testpg"
)

// TestSearchFindsMarkupLikeText: PostgreSQL's parser drops "<tag>" and
// "&entity;" tokens from a tsvector; names, notes and group names that
// look like markup must still be found by their words (00006).
func TestSearchFindsMarkupLikeText(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO members (first_name, last_name, notes) VALUES
		('<script>alert(1)</script>', 'Xu', ''),
		('Bea', 'Yilmaz', '<b>Kassenprüfung</b> &amp; Beirat'),
		('Anna', 'Schmidt', '')`); err != nil {
		t.Fatal(err)
	}
	admin := authz.Actor{UserID: "0190f5e4-7c1a-7b3e-9f00-0123456789ab", Set: authz.Admin}
	for q, want := range map[string]string{"script": "Xu", "kassenprufung": "Yilmaz", "beirat": "Yilmaz"} {
		p, err := NewMembers(db).List(ctx, admin, MemberQuery{Q: q})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		var got string
		if len(p.Rows) == 1 {
			got = p.Rows[0].LastName
		} else if len(p.Rows) > 1 {
			got = "several"
		}
		if got != want {
			t.Errorf("search %q found %q, want %q", q, got, want)
		}
	}
}
