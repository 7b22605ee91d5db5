package validate

import "testing"

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Anna ", "Anna"},
		{"Mu\u0308ller", "Müller"}, // NFC
		{"\u200bJugend\u200b", "Jugend"},
		{"\ufeffJugend\u00ad\u2060", "Jugend"},
		{"\u200b \u200cJugend \u200d ", "Jugend"},
		{"Ju\u200bgend", "Ju\u200bgend"}, // inside: kept here, Text and the unique key deal with it
		{"Familie 👨\u200d👩\u200d👧", "Familie 👨\u200d👩\u200d👧"},
		{"Fans 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "Fans 🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"},
		{"Chor \u2764\ufe0f", "Chor \u2764\ufe0f"},
		{"Chor \ufe0f", "Chor"},
		{"Chor\U000E007F", "Chor"}, // a lone tag is no flag
		{"\u3164", ""},             // a Hangul filler alone
		{"a\xffb ", "a\xffb"},      // invalid UTF-8 stays for Text to refuse
	} {
		if got := Clean(tc.in); got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEmailRefusesInvisible(t *testing.T) {
	for _, r := range []string{"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\ufe0f", "\U000E0041"} {
		if s := "an" + r + "na@example.org"; ValidEmail(s) {
			t.Errorf("ValidEmail(%q) accepted", s)
		}
	}
	if !ValidEmail("anna@example.org") {
		t.Error("plain address refused")
	}
}

func TestInvisible(t *testing.T) {
	for _, r := range []rune{0xad, 0x200b, 0x200c, 0x200d, 0x200e, 0x2060, 0xfeff, 0xfe0f, 0x3164, 0xe0001, 0xe007f} {
		if !Invisible(r) {
			t.Errorf("%U is not invisible", r)
		}
	}
	for _, r := range []rune{'a', ' ', 'ä', 0x2764, 0x1f3f4, '-', 0xa0} {
		if Invisible(r) {
			t.Errorf("%U is invisible", r)
		}
	}
}
