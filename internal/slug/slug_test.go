package slug

import (
	"errors"
	"strings"
	"testing"
)

func TestMake(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"simple", "Jugend", "jugend"},
		{"umlauts", "Ältere Übungsleiter Öl", "altere-ubungsleiter-ol"},
		{"eszett", "Fußball Straße", "fussball-strasse"},
		{"capital eszett", "GROẞ", "gross"},
		{"accents", "Café Crème à la Ñandú", "cafe-creme-a-la-nandu"},
		{"spelled letters", "Æsir Øresund Łódź", "aesir-oresund-lodz"},
		{"lower-cased", "VORSTAND", "vorstand"},
		{"spaces to hyphens", "Erste  Mannschaft", "erste-mannschaft"},
		{"special characters", "A&B / C (2024)!", "a-b-c-2024"},
		{"leading and trailing", "  --Senioren--  ", "senioren"},
		{"digits", "U-17 Team 2", "u-17-team-2"},
		{"tabs and newlines", "a\tb\nc", "a-b-c"},
		{"non latin letters", "Chor 合唱", "chor"},
		{"emoji", "🎉 Party 🎉", "party"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Make(tt.in)
			if err != nil {
				t.Fatalf("Make(%q) error %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Make(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !Valid(got) {
				t.Errorf("Make(%q) = %q is not Valid", tt.in, got)
			}
		})
	}
}

func TestMakeEmpty(t *testing.T) {
	for _, in := range []string{"", "   ", "!!!", "---", "日本", "🎉", "\u0301"} {
		if got, err := Make(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("Make(%q) = %q, %v; want ErrEmpty", in, got, err)
		}
	}
}

func TestMakeCut(t *testing.T) {
	// 20 words of 9 letters: cut at the last hyphen before 100.
	words := strings.Repeat("abcdefghi ", 20)
	got, _ := Make(words)
	if len(got) > MaxLen || strings.HasSuffix(got, "-") {
		t.Fatalf("cut slug %q (len %d)", got, len(got))
	}
	if got != strings.TrimSuffix(strings.Repeat("abcdefghi-", 10), "-") {
		t.Errorf("cut at hyphen: got %q", got)
	}
	// One long word: hard cut at exactly 100.
	got, _ = Make(strings.Repeat("x", 150))
	if len(got) != MaxLen {
		t.Errorf("long word: len %d", len(got))
	}
	// Multi-byte input: 101 × "ä" → 100 × "a", never a broken character.
	got, _ = Make(strings.Repeat("ä", 101))
	if got != strings.Repeat("a", 100) {
		t.Errorf("multibyte cut: %q", got)
	}
	// A boundary exactly at 100 keeps the whole first part.
	in := strings.Repeat("a", 100) + " b"
	if got, _ = Make(in); got != strings.Repeat("a", 100) {
		t.Errorf("boundary cut: %q", got)
	}
}

func TestUnique(t *testing.T) {
	taken := map[string]bool{"jugend": true, "jugend-2": true}
	got, err := Unique("jugend", func(s string) (bool, error) { return taken[s], nil })
	if err != nil || got != "jugend-3" {
		t.Fatalf("Unique = %q, %v", got, err)
	}
	got, _ = Unique("senioren", func(s string) (bool, error) { return taken[s], nil })
	if got != "senioren" {
		t.Fatalf("free base: %q", got)
	}
	long := strings.Repeat("a", 100)
	got, _ = Unique(long, func(s string) (bool, error) { return s == long, nil })
	if len(got) > MaxLen || got != strings.Repeat("a", 98)+"-2" {
		t.Fatalf("long unique: %q", got)
	}
	boom := errors.New("db down")
	if _, err := Unique("x", func(string) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Fatalf("error not passed on: %v", err)
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "a-b": true, "a--b": false, "-a": false, "a-": false, "A": false, "": false,
		"ä": false, strings.Repeat("a", 101): false,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v", s, !want)
		}
	}
}

// FuzzMake checks that Make always returns a valid slug or ErrEmpty, that
// the result is at most MaxLen, and that Make is idempotent on its output.
func FuzzMake(f *testing.F) {
	for _, s := range []string{"Jugend", "Fußball", "!!!", "a b", strings.Repeat("ä ", 80), "\xff\xfe", "Ж"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Make(in)
		if err != nil {
			if !errors.Is(err, ErrEmpty) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !Valid(s) {
			t.Fatalf("Make(%q) = %q: invalid", in, s)
		}
		again, err := Make(s)
		if err != nil || again != s {
			t.Fatalf("not idempotent: %q → %q (%v)", s, again, err)
		}
	})
}
