// Package slug turns names into URL-friendly identifiers. Custom data
// fields and groups share it, so both follow exactly the same rules:
//
//   - lower case; ä→a, ö→o, ü→u, ß→ss; other accents stripped
//     (a few letters without a decomposition are spelled out: æ→ae, ø→o …);
//   - every run of other characters becomes one hyphen;
//   - no leading or trailing hyphen;
//   - at most MaxLen characters, cut at a hyphen where possible.
//
// A name that leaves nothing is ErrEmpty. A slug is made once, when the
// record is created, and never changed afterwards, so links stay valid.
package slug

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"mila/internal/validate"
)

// MaxLen is the longest slug, in characters (all ASCII, so also bytes).
const MaxLen = 100

// ErrEmpty is returned for a name that contains no letter or digit usable
// in a slug (for example "!!!" or "日本").
var ErrEmpty = errors.New("slug: name yields an empty slug")

// spelled maps letters that have no Unicode decomposition to their usual
// ASCII spelling. German umlauts decompose (ä = a + ¨) and so become a, o, u.
var spelled = map[rune]string{
	'ß': "ss", 'ẞ': "ss",
	'æ': "ae", 'Æ': "ae",
	'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d",
	'ð': "d", 'Ð': "d",
	'þ': "th", 'Þ': "th",
	'ı': "i",
}

// Fold lower-cases s, strips accents (ä→a, é→e) and spells out letters
// without a decomposition (ß→ss, æ→ae …), leaving every other character
// as it is. It is the first step of Make, and member search folds typed
// words with it so that they meet the keys the SQL function search_key
// stores (a test there compares both).
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue // combining accent: strip it
		}
		if sp, ok := spelled[r]; ok {
			b.WriteString(sp)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// Make returns the slug for name, or ErrEmpty.
func Make(name string) (string, error) {
	var b strings.Builder
	hyphen := false // a separator is pending
	for _, r := range Fold(name) {
		if validate.Invisible(r) {
			continue // "Ju\u00adgend" (a soft hyphen) is "jugend", not "ju-gend"
		}
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			hyphen = true
			continue
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(r)
	}
	s := b.String()
	if s == "" {
		return "", ErrEmpty
	}
	return cut(s, MaxLen), nil
}

// cut shortens s to at most n bytes, at the last hyphen when there is one,
// and never leaves a trailing hyphen. s is ASCII, so no character is split.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if s[n] == '-' {
		return s[:n] // the cut falls exactly on a word boundary
	}
	t := s[:n]
	if i := strings.LastIndexByte(t, '-'); i > 0 {
		return t[:i]
	}
	return t // one long word: cut it (ASCII, so never inside a character)
}

// Valid reports whether s is a well-formed slug (the shape Make produces).
func Valid(s string) bool {
	if s == "" || len(s) > MaxLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if prev == '-' {
				return false
			}
		default:
			return false
		}
		prev = c
	}
	return true
}

// Unique returns base, or base-2, base-3 … — the first candidate that taken
// reports as free. The suffix always fits within MaxLen: base is cut
// (at a hyphen where possible) to make room for it.
func Unique(base string, taken func(string) (bool, error)) (string, error) {
	for n := 1; ; n++ {
		cand := base
		if n > 1 {
			suffix := "-" + strconv.Itoa(n)
			cand = cut(base, MaxLen-len(suffix)) + suffix
		}
		t, err := taken(cand)
		if err != nil {
			return "", err
		}
		if !t {
			return cand, nil
		}
	}
}
