package validate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Invisible reports whether r is a character that shows nothing by
// itself: a format character (Unicode category Cf: soft hyphen, U+200B
// zero width space to U+200F, U+2060 word joiner, U+FEFF, bidi marks,
// tags …) or another default-ignorable code point (Hangul fillers,
// variation selectors …). They let "Jugend" and "Ju\u200bgend" look the
// same yet differ: emails and slugs refuse them, names lose them at
// their ends, and names are compared without them (the SQL function
// fold_invisible of migration 00012 removes the same set;
// pg.TestFoldInvisibleMatchesGo holds the two together).
func Invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// Clean prepares a typed text value: NFC-normalised (so "ü" typed as u +
// combining diaeresis and "ü" are one text), without white space or
// invisible characters at either end. Invisible characters inside stay
// (an emoji sequence needs U+200D zero width joiner), except that
// single-line fields are checked for what they may contain by Text and
// Email. Every text field is cleaned before it is checked and stored.
func Clean(s string) string {
	if !utf8.ValidString(s) {
		// Left as it is for Text to refuse; normalising would replace
		// the invalid bytes and hide them.
		return strings.TrimSpace(s)
	}
	s = norm.NFC.String(s)
	s = strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) || Invisible(r) })
	return trimRightInvisible(s)
}

// trimRightInvisible removes white space and invisible characters from
// the end of s — but not the tag characters (U+E0020–U+E007F) that end
// an emoji tag sequence such as the flag of England (U+1F3F4 followed by
// tags), nor a variation selector right after a visible character (the
// emoji presentation of "❤️").
func trimRightInvisible(s string) string {
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		switch {
		case unicode.IsSpace(r):
		case r >= 0xE0020 && r <= 0xE007F && tagSequence(s):
			return s
		case unicode.Is(unicode.Variation_Selector, r) && size < len(s):
			prev, _ := utf8.DecodeLastRuneInString(s[:len(s)-size])
			if !Invisible(prev) && !unicode.IsSpace(prev) {
				return s
			}
		case Invisible(r):
		default:
			return s
		}
		s = s[:len(s)-size]
	}
	return s
}

// tagSequence reports whether s ends in an emoji tag sequence: tag
// characters after U+1F3F4 (waving black flag).
func tagSequence(s string) bool {
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		if r == 0x1F3F4 {
			return true
		}
		if r < 0xE0020 || r > 0xE007F {
			return false
		}
		s = s[:len(s)-size]
	}
	return false
}

// hasInvisible reports whether s contains an invisible character.
func hasInvisible(s string) bool {
	return strings.IndexFunc(s, Invisible) >= 0
}
