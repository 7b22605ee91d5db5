package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct {
		name      string
		value     string
		max       int
		required  bool
		multiline bool
		want      string
	}{
		{"ok", "Anna", 100, true, false, ""},
		{"required", "", 100, true, false, Required},
		{"optional empty", "", 100, false, false, ""},
		{"at limit multibyte", strings.Repeat("ä", 100), 100, true, false, ""},
		{"past limit multibyte", strings.Repeat("ä", 101), 100, true, false, TooLong},
		{"nul", "a\x00b", 100, true, false, BadChars},
		{"newline single line", "a\nb", 100, true, false, BadChars},
		{"newline multiline", "a\nb", 100, true, true, ""},
		{"bidi override", "abc\u202edef", 100, true, false, BadChars},
		{"invalid utf8", "a\xffb", 100, true, false, BadChars},
		{"c1 control", "a\u0085b", 100, true, true, BadChars},
		{"html is text", "<script>alert(1)</script>", 100, true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			Text(e, "f", tt.value, tt.max, tt.required, tt.multiline)
			if got := e["f"].ID; got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEmail(t *testing.T) {
	for s, ok := range map[string]bool{
		"anna@example.org": true, "a.b+c@sub.example.de": true, "jürgen@müller.de": true,
		"anna": false, "anna@": false, "@example.org": false, "anna@example": false,
		"Anna <anna@example.org>": false, "an na@example.org": false, "anna@example.org.": false,
		strings.Repeat("a", 250) + "@x.de": false,
	} {
		if ValidEmail(s) != ok {
			t.Errorf("ValidEmail(%q) = %v", s, !ok)
		}
	}
}

func TestErrorsRoundTrip(t *testing.T) {
	e := Errors{}
	if e.Err() != nil {
		t.Fatal("empty errors must be nil")
	}
	e.Add("name", Required, nil)
	e.Add("name", TooLong, nil) // first problem wins
	err := fmt.Errorf("saving: %w", e.Err())
	got, ok := As(err)
	if !ok || got["name"].ID != Required {
		t.Fatalf("As = %v, %v", got, ok)
	}
	if _, ok := As(errors.New("other")); ok {
		t.Fatal("As on a plain error")
	}
}

func TestUUID(t *testing.T) {
	for _, s := range []string{"0190f5e4-7c1a-7b3e-9f00-0123456789ab", "0190F5E4-7C1A-7B3E-9F00-0123456789AB"} {
		if !UUID(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"", "1", "0190f5e4-7c1a-7b3e-9f00-0123456789ab'", "0190f5e47c1a7b3e9f000123456789ab",
		" 0190f5e4-7c1a-7b3e-9f00-0123456789ab", "0190f5e4-7c1a-7b3e-9f00-0123456789ab\n", "0190f5e4-7c1a-7b3e-9f00-0123456789ag"} {
		if UUID(s) {
			t.Errorf("%q accepted", s)
		}
	}
}
