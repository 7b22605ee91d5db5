package membership

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/slug"
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
	tokens  []string // folded words, in input order
	tsquery string   // prefix match of every word, in any field: 'anna':* & ('mueller':* | 'muller':*)
	// match is tsquery with, for each word, the similar words of
	// search_words as alternatives (typos): what a member must match.
	// withTypos fills it; until then it is tsquery.
	match   string
	abQuery string // the same restricted to names, email, notes and group names (weights A and B)
	key     string // folded words joined by spaces: trigram and exact-name comparison
	altKey  string // key with ue→u, oe→o, ae→a ("Mueller" → "muller"), for trigram and exact matching
}

// searchTypoMinRunes is the shortest word that is also compared by
// similarity: a shorter word is a prefix (the full-text search finds it),
// and two or three letters are similar to too many names to be a typo.
const searchTypoMinRunes = 4

// searchUmlautSpelling maps the ASCII spellings of German umlauts back to
// the folded letter, so "Mueller" finds "Müller" (stored as "muller").
var searchUmlautSpelling = strings.NewReplacer("ue", "u", "oe", "o", "ae", "a")

// searchFold folds s the way the SQL function search_key does (unaccent,
// lower case, ß → ss), so words typed by a person meet the stored keys.
// A test compares both on a list of names.
func searchFold(s string) string { return slug.Fold(s) }

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
	var all, ab []string
	alts := make([]string, len(words))
	for i, w := range words {
		alts[i] = searchUmlautSpelling.Replace(w)
		all = append(all, searchPrefixTerm(w, alts[i], ""))
		ab = append(ab, searchPrefixTerm(w, alts[i], "AB"))
	}
	return searchTerms{
		tokens:  words,
		tsquery: strings.Join(all, " & "),
		match:   strings.Join(all, " & "),
		abQuery: strings.Join(ab, " & "),
		key:     strings.Join(words, " "),
		altKey:  strings.Join(alts, " "),
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

// searchTypoAlternatives bounds the similar words a typed word adds.
const searchTypoAlternatives = 10

// withTypos looks up, for each word of four letters or more, the words
// of members' and groups' names it is similar to (pg_trgm word
// similarity, the index on search_words), and adds them to the match
// query as alternatives: "Müler" also matches muller. One statement for
// all words, only when a word is long enough.
func (t searchTerms) withTypos(ctx context.Context, db querier) (searchTerms, error) {
	var toks []string
	var idx []int32
	for i, w := range t.tokens {
		if utf8.RuneCountInString(w) < searchTypoMinRunes {
			continue
		}
		toks, idx = append(toks, w), append(idx, int32(i))
		if alt := searchUmlautSpelling.Replace(w); alt != w {
			toks, idx = append(toks, alt), append(idx, int32(i))
		}
	}
	if len(toks) == 0 {
		return t, nil
	}
	rows, err := db.Query(ctx, `SELECT t.i, s.word FROM unnest($1::text[], $2::int[]) AS t (tok, i)
		CROSS JOIN LATERAL (SELECT w.word FROM search_words w WHERE t.tok <% w.word
			ORDER BY word_similarity(t.tok, w.word) DESC, w.word LIMIT `+strconv.Itoa(searchTypoAlternatives)+`) s`, toks, idx)
	if err != nil {
		return t, fmt.Errorf("search similar words: %w", err)
	}
	similar := map[int][]string{}
	for rows.Next() {
		var i int32
		var word string
		if err := rows.Scan(&i, &word); err != nil {
			rows.Close()
			return t, fmt.Errorf("search similar words: %w", err)
		}
		// The list holds folded words split at everything but letters and
		// digits; checked again, as the word goes into a tsquery.
		if searchPlainWord(word) && !slices.Contains(similar[int(i)], word) {
			similar[int(i)] = append(similar[int(i)], word)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("search similar words: %w", err)
	}
	parts := make([]string, len(t.tokens))
	for i, w := range t.tokens {
		term := searchPrefixTerm(w, searchUmlautSpelling.Replace(w), "")
		if len(similar[i]) > 0 {
			term = strings.TrimSuffix(strings.TrimPrefix(term, "("), ")")
			for _, sw := range similar[i] {
				term += " | '" + sw + "'"
			}
			term = "(" + term + ")"
		}
		parts[i] = term
	}
	t.match = strings.Join(parts, " & ")
	return t, nil
}

// searchPlainWord reports whether w has only letters and digits.
func searchPlainWord(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// querier is what a pool and a transaction have in common for reading.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// condition is the SQL condition for a member to match: every word as a
// prefix in the full-text vector (names, email, notes, address, custom
// values, group names) or, for words of four letters or more, one of the
// similar name words withTypos found. One tsquery, one GIN index scan.
func (t searchTerms) condition(b *memberQueryBuilder) string {
	return "m.search_vector @@ to_tsquery('simple', " + b.arg(t.match) + ")"
}

// Relevance puts the matches in tiers, each ordered by name:
//
//  0. exact name matches: the input is the member's full name (either
//     order), last name or first name ("Müller" finds Müller first);
//  1. last names starting with the input (Müllerschön);
//  2. matches in the names, email, notes or group names (weights A and B);
//  3. matches anywhere else (address, custom values);
//  4. names that are only similar (typos), most similar first.
//
// Tiers 0 and 1 come from indexes (the full-text index, the sort_name
// range), so a short input that matches tens of thousands of
// members ("sch") answers its first pages without ranking them all; the
// other tiers are ranked only when a page reaches them.

// exactCond is tier 0: the words as whole name words (the full-text
// index finds the candidates), and then the whole name compared.
func (t searchTerms) exactCond(b *memberQueryBuilder) string {
	words := make([]string, len(t.tokens))
	for i, w := range t.tokens {
		words[i] = "'" + w + "':A"
		if alt := searchUmlautSpelling.Replace(w); alt != w {
			words[i] = "('" + w + "':A | '" + alt + "':A)"
		}
	}
	return "(m.search_vector @@ to_tsquery('simple', " + b.arg(strings.Join(words, " & ")) + ") AND m.name_keys && " +
		b.arg([]string{t.key, t.altKey}) + "::text[])"
}

// prefixCond is tier 1: sort_name (last name, first name) starts with
// the input. The range is what the index serves (the database collates
// by code point); ^@ states the exact condition.
func (t searchTerms) prefixCond(b *memberQueryBuilder) string {
	one := func(k string) string {
		return "(m.sort_name >= " + b.arg(k) + " AND m.sort_name < " + b.arg(k+"\U0010FFFF") + " AND m.sort_name ^@ " + b.arg(k) + ")"
	}
	if t.altKey == t.key {
		return one(t.key)
	}
	return "(" + one(t.key) + " OR " + one(t.altKey) + ")"
}

// restOrder orders tiers 2 to 4.
func (t searchTerms) restOrder(b *memberQueryBuilder) string {
	order := "CASE WHEN m.search_vector @@ to_tsquery('simple', " + b.arg(t.abQuery) + ") THEN 2" +
		" WHEN m.search_vector @@ to_tsquery('simple', " + b.arg(t.tsquery) + ") THEN 3 ELSE 4 END"
	// Similarity ranks the typos only: computing it for every match in
	// tiers 2 and 3 would cost more than the rest of the page.
	// Against sort_name (the names), a fifth of search_trgm's length.
	sim := "word_similarity(" + b.arg(t.key) + ", m.sort_name)"
	if t.altKey != t.key {
		sim = "greatest(" + sim + ", word_similarity(" + b.arg(t.altKey) + ", m.sort_name))"
	}
	return order + ", CASE WHEN NOT m.search_vector @@ to_tsquery('simple', " + b.arg(t.tsquery) + ") THEN " + sim + " END DESC NULLS LAST"
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
