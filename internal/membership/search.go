package membership

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"mila/internal/authz"
)

// Search limits: longer input is cut, not refused, so pasting a paragraph
// into the search box still answers.
const (
	searchMaxRunes  = 200
	searchMaxTokens = 8
)

// searchTerms is a search input prepared for SQL. Every part is built from
// letters and digits only, so no input can inject tsquery syntax: the
// characters & | ! ( ) : * ' \ and the like only ever separate words.
type searchTerms struct {
	tokens    []string // folded words, in input order
	tsquery   string   // prefix match of every word, in any field: 'anna':* & ('mueller':* | 'muller':*)
	nameQuery string   // the same restricted to the names (weight A)
	key       string   // folded words joined by spaces: trigram and exact-name comparison
	altKey    string   // key with ue→u, oe→o, ae→a ("Mueller" → "muller"), for trigram and exact matching
}

// searchUmlautSpelling maps the ASCII spellings of German umlauts back to
// the folded letter, so "Mueller" finds "Müller" (stored as "muller").
var searchUmlautSpelling = strings.NewReplacer("ue", "u", "oe", "o", "ae", "a")

// searchSpelled lists letters without a Unicode decomposition that the
// unaccent dictionary spells out; searchFold must agree with SQL search_key.
var searchSpelled = map[rune]string{
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

// searchFold folds s the way the SQL function search_key does (unaccent,
// lower case, ß → ss), so words typed by a person meet the stored keys.
// A test compares both on a list of names.
func searchFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if sp, ok := searchSpelled[r]; ok {
			b.WriteString(sp)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// parseSearch prepares q for SQL. ok is false when q has no letter or
// digit at all (empty, spaces, or only punctuation): then there is
// nothing to search for and the caller shows the unfiltered list.
func parseSearch(q string) (searchTerms, bool) {
	if utf8.RuneCountInString(q) > searchMaxRunes {
		q = string([]rune(q)[:searchMaxRunes])
	}
	words := strings.FieldsFunc(searchFold(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return searchTerms{}, false
	}
	if len(words) > searchMaxTokens {
		words = words[:searchMaxTokens]
	}
	var all, names []string
	alts := make([]string, len(words))
	for i, w := range words {
		alts[i] = searchUmlautSpelling.Replace(w)
		all = append(all, searchPrefixTerm(w, alts[i], ""))
		names = append(names, searchPrefixTerm(w, alts[i], "A"))
	}
	return searchTerms{
		tokens:    words,
		tsquery:   strings.Join(all, " & "),
		nameQuery: strings.Join(names, " & "),
		key:       strings.Join(words, " "),
		altKey:    strings.Join(alts, " "),
	}, true
}

// searchPrefixTerm is one word as a prefix match, with its umlaut
// spelling as an alternative: ('mueller':* | 'muller':*). weights limits
// the match to those weights ("A" = names).
func searchPrefixTerm(word, alt, weights string) string {
	t := "'" + word + "':*" + weights
	if alt != word && alt != "" {
		return "(" + t + " | '" + alt + "':*" + weights + ")"
	}
	return t
}

// searchCondition is the SQL condition for a member to match: every word
// as a prefix in the full-text vector (names, email, notes, address,
// custom values, group names), or the whole input similar enough to the
// names (pg_trgm word similarity, for typos). Both use a GIN index.
func (t searchTerms) condition(b *memberQueryBuilder) string {
	ts := "to_tsquery('simple', " + b.arg(t.tsquery) + ")"
	cond := "m.search_vector @@ " + ts + " OR " + b.arg(t.key) + " <% m.search_trgm"
	if t.altKey != t.key {
		cond += " OR " + b.arg(t.altKey) + " <% m.search_trgm"
	}
	return "(" + cond + ")"
}

// searchExactName is the folded name in the shape of searchTerms.key.
func searchExactName(expr string) string {
	return "regexp_replace(search_key(" + expr + "), '[^[:alnum:]]+', ' ', 'g')"
}

// rankOrder is the ORDER BY for relevance: exact name matches first, then
// names starting with the words, then other full-text matches by rank,
// then typo matches by similarity; ties by name.
func (t searchTerms) rankOrder(b *memberQueryBuilder) string {
	keys := b.arg(t.key) + ", " + b.arg(t.altKey)
	exact := "(" + searchExactName("m.first_name || ' ' || m.last_name") + " IN (" + keys + ")" +
		" OR " + searchExactName("m.last_name || ' ' || m.first_name") + " IN (" + keys + ")" +
		" OR " + searchExactName("m.last_name") + " IN (" + keys + ")" +
		" OR " + searchExactName("m.first_name") + " IN (" + keys + "))"
	ts := "to_tsquery('simple', " + b.arg(t.tsquery) + ")"
	return "CASE WHEN " + exact + " THEN 0" +
		" WHEN m.search_vector @@ to_tsquery('simple', " + b.arg(t.nameQuery) + ") THEN 1" +
		" WHEN m.search_vector @@ " + ts + " THEN 2 ELSE 3 END, " +
		"ts_rank(m.search_vector, " + ts + ") DESC, " +
		"greatest(word_similarity(" + b.arg(t.key) + ", m.search_trgm), word_similarity(" + b.arg(t.altKey) + ", m.search_trgm)) DESC"
}

// Search finds members for q across all statuses, best matches first, at
// most limit (1..100, default 20) — for pickers (adding members to a
// group) and tests. The overview uses List with MemberQuery.Q, which
// filters and ranks the same way. Blank or punctuation-only q finds nobody.
func (s Members) Search(ctx context.Context, actor authz.Actor, q string, limit int) ([]MemberRow, error) {
	if _, ok := parseSearch(q); !ok {
		return nil, actor.Require(authz.Member, authz.Read)
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	page, err := s.List(ctx, actor, MemberQuery{Q: q, Status: MemberStatusAll, Sort: MemberSortRelevance, PerPage: limit, Page: 1, anyPerPage: true})
	if err != nil {
		return nil, err
	}
	return page.Rows, nil
}

// SearchMembers is Members.Search as a function (s.Search(ctx, actor, q, limit)).
func SearchMembers(ctx context.Context, s Members, actor authz.Actor, q string, limit int) ([]MemberRow, error) {
	return s.Search(ctx, actor, q, limit)
}
