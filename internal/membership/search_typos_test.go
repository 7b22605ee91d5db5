package membership_test

import (
	"context"
	"testing"

	"mila/internal/demo"
	"mila/internal/membership"
	"mila/internal/testpg"
)

// searchTypoCase is a misspelling a person really types and the member it
// must find on the first page of the overview: the one named first last
// (first "" when the query names only the surname: then any member with
// that last name counts).
type searchTypoCase struct{ q, first, last string }

// searchTypoCases are realistic misspellings of names of the demo data set
// (internal/demo's name lists): swapped letters, a letter dropped, doubled
// or wrong, umlauts and accents typed without them, ph/th and ß spelt
// otherwise — German, Turkish, Polish, Scandinavian and French names.
var searchTypoCases = []searchTypoCase{
	// German
	{"Arnlod", "", "Arnold"},
	{"Mülelr", "", "Müller"},
	{"Baumnan", "", "Baumann"},
	{"Gunter Weber", "Günther", "Weber"},
	{"Schmdit", "", "Schmidt"},
	{"Schnieder", "", "Schneider"},
	{"Fsicher", "", "Fischer"},
	{"Wagnre", "", "Wagner"},
	{"Hoffman", "", "Hoffmann"},
	{"Zimemrmann", "", "Zimmermann"},
	{"Krüeger", "", "Krüger"},
	{"Shröder", "", "Schröder"},
	{"Neuman", "", "Neumann"},
	{"Hartmnan", "", "Hartmann"},
	{"Lehamnn", "", "Lehmann"},
	{"Hermann", "", "Herrmann"},
	{"Kiaser", "", "Kaiser"},
	{"Pfeifer", "", "Pfeiffer"},
	{"Pfeiffre", "", "Pfeiffer"},
	{"Friedirch", "", "Friedrich"},
	{"Fridrich", "", "Friedrich"},
	{"Schumaher", "", "Schumacher"},
	{"Schuhmacher", "", "Schumacher"},
	{"Weismüller", "", "Weißmüller"},
	{"Strassburger", "", "Straßburger"},
	{"Fröhlihc", "", "Fröhlich"},
	{"Brükner", "", "Brückner"},
	{"Mathias Koch", "Matthias", "Koch"},
	{"Stephan Richter", "Stefan", "Richter"},
	{"Katarina Lange", "Katharina", "Lange"},
	{"Johana Krause", "Johanna", "Krause"},
	{"Sabien Vogel", "Sabine", "Vogel"},
	{"Wolfgagn Horn", "Wolfgang", "Horn"},
	{"Gisla Sommer", "Gisela", "Sommer"},
	// Turkish
	{"Yilmas", "", "Yılmaz"},
	{"Ozturk", "", "Öztürk"},
	{"Öztrük", "", "Öztürk"},
	{"Sahin", "", "Şahin"},
	{"Celk", "", "Çelik"},
	{"Aydin", "", "Aydın"},
	{"Ozdemri", "", "Özdemir"},
	{"Arslna", "", "Arslan"},
	{"Dogna", "", "Doğan"},
	{"Mehmte Kaya", "Mehmet", "Kaya"},
	{"Zeyenp Demir", "Zeynep", "Demir"},
	{"Mustfa Yilmaz", "Mustafa", "Yılmaz"},
	// Polish
	{"Kowalksi", "", "Kowalski"},
	{"Nowack", "", "Nowak"},
	{"Wisniewsky", "", "Wiśniewski"},
	{"Wiśniewki", "", "Wiśniewski"},
	{"Lewandowksi", "", "Lewandowski"},
	{"Zielinksi", "", "Zieliński"},
	{"Dabrowsky", "", "Dąbrowski"},
	{"Wjócik", "", "Wójcik"},
	{"Lukasz Nowak", "Łukasz", "Nowak"},
	{"Malgorzta Kowalski", "Małgorzata", "Kowalski"},
	{"Agniezska Nowak", "Agnieszka", "Nowak"},
	{"Kaminska", "", "Kamińska"},
	// Scandinavian
	{"Sorensen", "", "Sørensen"},
	{"Jenssen", "", "Jensen"},
	{"Nielson", "", "Nielsen"},
	{"Andersen", "", "Andersson"},
	{"Johanson", "", "Johansson"},
	{"Lindtsröm", "", "Lindström"},
	{"Bjorn Hansen", "Björn", "Hansen"},
	{"Soren Jensen", "Søren", "Jensen"},
	{"Aberg", "", "Åberg"},
	{"Ingird Nielsen", "Ingrid", "Nielsen"},
	// French
	{"Dubios", "", "Dubois"},
	{"Lefebvre", "", "Lefèvre"},
	{"Moreua", "", "Moreau"},
	{"Girrard", "", "Girard"},
	{"Mercer", "", "Mercier"},
	{"Fontainne", "", "Fontaine"},
	{"Francois Bonnet", "François", "Bonnet"},
	{"Amelie Moreau", "Amélie", "Moreau"},
	{"Heléne Dubios", "Hélène", "Dubois"},
	{"Noemi Girard", "Noémie", "Girard"},
}

// TestSearchForgivesTypos: at least 95 % of searchTypoCases find their
// member on the first page of the overview (relevance order, 50 rows),
// on the demo data set with every target present. The misses are logged.
func TestSearchForgivesTypos(t *testing.T) {
	if len(searchTypoCases) < 60 {
		t.Fatalf("only %d misspellings; the set needs at least 60", len(searchTypoCases))
	}
	db := testpg.New(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, db, demo.Options{Members: 3000, Groups: 40, Seed: 7, Today: searchTestDay}); err != nil {
		t.Fatal(err)
	}
	s := membership.NewMembers(db)
	// Every target exists (a demo member may have another first name).
	for _, c := range searchTypoCases {
		first := c.first
		if first == "" {
			first = "Testa"
		}
		if _, err := s.Create(ctx, searchTestAdmin, membership.MemberInput{FirstName: first, LastName: c.last}); err != nil {
			t.Fatalf("%s %s: %v", first, c.last, err)
		}
	}
	found := 0
	for _, c := range searchTypoCases {
		page, err := s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: c.q, Status: membership.MemberStatusAll, PerPage: 50})
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		hit := false
		for _, r := range page.Rows {
			if r.LastName == c.last && (c.first == "" || r.FirstName == c.first) {
				hit = true
				break
			}
		}
		if hit {
			found++
		} else {
			t.Logf("%q did not find %s %s on the first page (%d results)", c.q, c.first, c.last, page.Total)
		}
	}
	rate := float64(found) / float64(len(searchTypoCases))
	t.Logf("misspellings found on the first page: %d of %d (%.1f %%)", found, len(searchTypoCases), 100*rate)
	if rate < 0.95 {
		t.Errorf("only %.1f %% of the misspellings found; want at least 95 %%", 100*rate)
	}
}

// TestSearchTypoRanksBelowExact: a member whose name is exactly the typed
// word comes before the members it is a typo of, and a typo of several
// edits more than allowed finds nothing.
func TestSearchTypoRanksBelowExact(t *testing.T) {
	db := testpg.New(t)
	ctx := context.Background()
	s := membership.NewMembers(db)
	for _, in := range []membership.MemberInput{
		{FirstName: "Anna", LastName: "Arnold"},
		{FirstName: "Bert", LastName: "Arnlod"},
		{FirstName: "Carl", LastName: "Baumann"},
		{FirstName: "Dora", LastName: "Lewandowski"},
	} {
		if _, err := s.Create(ctx, searchTestAdmin, in); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: "Arnlod", Status: membership.MemberStatusAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Rows) != 2 || page.Rows[0].LastName != "Arnlod" || page.Rows[1].LastName != "Arnold" {
		t.Errorf("Arnlod: got %v, want the exact Arnlod first, then Arnold", lastNames(page.Rows))
	}
	for q, want := range map[string]int{
		"Bauman":      1, // one deletion (and a prefix)
		"Bamuann":     1, // neighbours swapped
		"Bmauann":     0, // two swaps in a 7-letter word: too far
		"Lewnadowksi": 1, // two swaps in an 11-letter word
		"Lwenadwoksi": 0, // three
		"Caarl":       1, // an insertion in a 4-letter word
		"Crl":         0, // a 3-letter word is only a prefix
	} {
		page, err := s.List(ctx, searchTestAdmin, membership.MemberQuery{Q: q, Status: membership.MemberStatusAll})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rows) != want {
			t.Errorf("%q: %d results %v, want %d", q, len(page.Rows), lastNames(page.Rows), want)
		}
	}
}

func lastNames(rows []membership.MemberRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.FirstName + " " + r.LastName
	}
	return out
}
