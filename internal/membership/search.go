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
//
// A member matches when every word matches somewhere: in the member's own
// search vector (names, email, notes, address, custom values) or in the
// words of the names of the member's groups (member_group_keys.group_words,
// kept by the membership triggers; migration 00007). Group names are not
// part of the member's row, so that a group change does not rewrite it.
type searchTerms struct {
	tokens  []string // folded words, in input order
	tsquery string   // prefix match of every word, in any field: 'anna':* & ('mueller':* | 'muller':*)
	abQuery string   // the same restricted to names, email and notes (weights A and B)
	key     string   // folded words joined by spaces: exact-name and similarity comparison
	altKey  string   // key with ue→u, oe→o, ae→a ("Mueller" → "muller"), for exact matching

	// Per word, in input order.
	prefix []string // the word as a prefix, with its umlaut spelling: ('mueller':* | 'muller':*)
	ab     []string // prefix restricted to weights A and B
	// match is prefix with, for words of four letters or more, the
	// similar words of search_words as alternatives (typos): what the word
	// must match in the member's vector. resolve fills it; until then it
	// is prefix.
	match []string
	// groupMatch are the words of group names the word meets, as a prefix
	// or as a similar word, as a tsquery of exact lexemes ('klettern' |
	// 'kletterwand'; "" when none): what it must match in group_words.
	// groupPrefix the same for the prefix alone (for the tiers). Exact
	// lexemes let the GIN index intersect its lists, which a prefix query
	// cannot. resolve fills both.
	groupMatch, groupPrefix []string
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
	t := searchTerms{tokens: words, groupMatch: make([]string, len(words)), groupPrefix: make([]string, len(words))}
	alts := make([]string, len(words))
	for i, w := range words {
		alts[i] = searchUmlautSpelling.Replace(w)
		t.prefix = append(t.prefix, searchPrefixTerm(w, alts[i], ""))
		t.ab = append(t.ab, searchPrefixTerm(w, alts[i], "AB"))
	}
	t.match = slices.Clone(t.prefix)
	t.tsquery = strings.Join(t.prefix, " & ")
	t.abQuery = strings.Join(t.ab, " & ")
	t.key = strings.Join(words, " ")
	t.altKey = strings.Join(alts, " ")
	return t, true
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

// searchTypoDistance is how many edits (insertion, deletion, substitution,
// transposition of neighbours) a typed word may differ from a name word
// by and still find it: one from four letters, two from eight.
func searchTypoDistance(word string) int {
	if utf8.RuneCountInString(word) >= 8 {
		return 2
	}
	return 1
}

// searchSpelling spells a folded word the way the SQL function
// search_spelling does (migration 00019): ph → f, th → t, so that
// Stephan meets Stefan and Günther meets Gunter without an edit.
func searchSpelling(w string) string {
	return strings.ReplaceAll(strings.ReplaceAll(w, "ph", "f"), "th", "t")
}

// searchDeletions returns w and w with up to max letters left out (each
// variant once): the typed word's side of the "symmetric delete" lookup
// in search_word_variants, which holds the same variants of every name
// word (search_deletions in migration 00019: one letter left out from
// three letters, two from eight). Two words within max edits share a
// variant; the candidates are then measured (search_edit_distance).
func searchDeletions(w string, max int) []string {
	seen := map[string]bool{w: true}
	out := []string{w}
	level := []string{w}
	for range max {
		var next []string
		for _, v := range level {
			r := []rune(v)
			if len(r) <= 1 {
				continue
			}
			for i := range r {
				d := string(r[:i]) + string(r[i+1:])
				if !seen[d] {
					seen[d] = true
					out, next = append(out, d), append(next, d)
				}
			}
		}
		level = next
	}
	return out
}

// resolve asks the database, in one statement, what the words meet:
//
//   - for each word of four letters or more, the words of members' and
//     groups' names it is similar to (pg_trgm word similarity, the index
//     on search_words); they join the word's match as alternatives, so
//     "Müler" also matches muller;
//   - for each word, the words of group names it starts (or, through a
//     similar word, is a typo of). Only words that meet some are looked
//     for in the members' group_words; a search for a surname stays a
//     search of the members' own vector.
func (t searchTerms) resolve(ctx context.Context, db querier) (searchTerms, error) {
	var toks, spellings []string
	var idx, spellingIdx []int32
	for i, w := range t.tokens {
		spellings, spellingIdx = append(spellings, w), append(spellingIdx, int32(i))
		alt := searchUmlautSpelling.Replace(w)
		if alt != w {
			spellings, spellingIdx = append(spellings, alt), append(spellingIdx, int32(i))
		}
		if utf8.RuneCountInString(w) < searchTypoMinRunes {
			continue
		}
		toks, idx = append(toks, w), append(idx, int32(i))
		if alt != w {
			toks, idx = append(toks, alt), append(idx, int32(i))
		}
	}
	// The typed words' deletion variants, for the edit-distance lookup
	// (typos that share too few trigrams with the name: swapped letters).
	var variants, norms []string
	var variantSpelling, normIdx, normMax []int32
	for j, w := range toks {
		d := searchTypoDistance(t.tokens[idx[j]])
		n := searchSpelling(w)
		norms, normIdx, normMax = append(norms, n), append(normIdx, idx[j]), append(normMax, int32(d))
		for _, v := range searchDeletions(n, d) {
			variants, variantSpelling = append(variants, v), append(variantSpelling, int32(j+1))
		}
	}
	// kind 0: a similar word; 1: a group word the word is a prefix of;
	// 2: a group word equal to a similar word. Similar words are those
	// the trigram index finds and those within edit distance (found by a
	// shared deletion variant, then measured), at most
	// searchTypoAlternatives of each per word.
	rows, err := db.Query(ctx, `WITH alike AS (
			SELECT t.i, s.word FROM unnest($1::text[], $2::int[]) AS t (tok, i)
			CROSS JOIN LATERAL (SELECT w.word FROM search_words w WHERE t.tok <% w.word
				ORDER BY word_similarity(t.tok, w.word) DESC, w.word LIMIT `+strconv.Itoa(searchTypoAlternatives)+`) s
			UNION
			SELECT e.i, e.word FROM (
				SELECT d.i, d.word, row_number() OVER (PARTITION BY d.i ORDER BY d.dist, d.word) AS r
				  FROM (SELECT s.i, c.word, min(search_edit_distance(s.n, search_spelling(c.word), s.maxd)) AS dist, min(s.maxd) AS maxd
				          FROM unnest($5::text[], $6::int[], $7::int[]) WITH ORDINALITY AS s (n, i, maxd, j)
				          JOIN (SELECT DISTINCT t.j, v.word FROM unnest($8::text[], $9::int[]) AS t (variant, j)
				                  JOIN search_word_variants v ON v.variant = t.variant) c ON c.j = s.j
				         GROUP BY s.i, c.word) d
				 WHERE d.dist <= d.maxd) e
			 WHERE e.r <= `+strconv.Itoa(searchTypoAlternatives)+`),
		group_words AS (SELECT DISTINCT w FROM groups g, unnest(tsvector_to_array(g.search_vector)) w)
		SELECT s.i, s.word, 0 FROM alike s
		UNION ALL
		SELECT DISTINCT p.i, gw.w, 1 FROM unnest($3::text[], $4::int[]) AS p (tok, i) JOIN group_words gw ON gw.w ^@ p.tok
		UNION ALL
		SELECT DISTINCT s.i, gw.w, 2 FROM alike s JOIN group_words gw ON gw.w = s.word`,
		toks, idx, spellings, spellingIdx, norms, normIdx, normMax, variants, variantSpelling)
	if err != nil {
		return t, fmt.Errorf("search similar words: %w", err)
	}
	n := len(t.tokens)
	similar := make([][]string, n)
	groupMatch, groupPrefix := make([][]string, n), make([][]string, n)
	for rows.Next() {
		var i, kind int32
		var word string
		if err := rows.Scan(&i, &word, &kind); err != nil {
			rows.Close()
			return t, fmt.Errorf("search similar words: %w", err)
		}
		if i < 0 || int(i) >= n {
			continue
		}
		switch kind {
		case 0:
			// The list holds folded words split at everything but letters
			// and digits; checked again, as the word goes into a tsquery. A
			// word the prefix matches anyway adds nothing.
			w, alt := t.tokens[i], searchUmlautSpelling.Replace(t.tokens[i])
			if searchPlainWord(word) && !strings.HasPrefix(word, w) && !strings.HasPrefix(word, alt) &&
				!slices.Contains(similar[i], word) {
				similar[i] = append(similar[i], word)
			}
		case 1:
			groupPrefix[i] = append(groupPrefix[i], word)
			fallthrough
		default:
			if !slices.Contains(groupMatch[i], word) {
				groupMatch[i] = append(groupMatch[i], word)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("search similar words: %w", err)
	}
	t.match = make([]string, n)
	t.groupMatch, t.groupPrefix = make([]string, n), make([]string, n)
	for i := range t.tokens {
		term := t.prefix[i]
		if len(similar[i]) > 0 {
			term = strings.TrimSuffix(strings.TrimPrefix(term, "("), ")")
			for _, sw := range similar[i] {
				term += " | '" + sw + "'"
			}
			term = "(" + term + ")"
		}
		t.match[i] = term
		t.groupMatch[i] = searchLexemes(groupMatch[i])
		t.groupPrefix[i] = searchLexemes(groupPrefix[i])
	}
	return t, nil
}

// searchLexemes is a tsquery (input syntax, for a ::tsquery cast: the
// lexemes are taken as they are, not parsed again) matching any of words:
// 'a' | 'b'. "" for none.
func searchLexemes(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", "''") + "'"
	}
	return strings.Join(quoted, " | ")
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

// How a search is answered depends on which words occur in group names:
//
//   - none (a surname, a city): the member's own vector, one GIN index
//     scan, as the words cannot be in group_words;
//   - some, not all ("Müller Badminton"): the words in no group name must
//     be in the member's vector (its GIN index finds the candidates), the
//     others in the vector or in group_words (checked per candidate);
//   - all ("Klettern Fortgeschrittene"): a member matches every word in
//     group_words (the GIN index on member_group_keys finds them, without
//     reading the members' rows), or at least one word in its vector (the
//     members' GIN index) and the rest in either.
func (t searchTerms) inGroups(i int) bool { return t.groupMatch[i] != "" }

func (t searchTerms) usesGroups() bool {
	for i := range t.tokens {
		if t.inGroups(i) {
			return true
		}
	}
	return false
}

func (t searchTerms) allInGroups() bool {
	for i := range t.tokens {
		if !t.inGroups(i) {
			return false
		}
	}
	return true
}

// searchAnd joins tsquery terms with &, each in parentheses.
func searchAnd(terms []string) string {
	parts := make([]string, len(terms))
	for i, term := range terms {
		parts[i] = "(" + term + ")"
	}
	return strings.Join(parts, " & ")
}

// perWord is the condition that every word matches by its own query in
// the member's vector (vec, possibly weight-restricted) or, if it occurs
// in group names, in group_words (grp: exact lexemes, groups count as
// weight B; "" where a word is not to be looked for there). Words that
// occur in no group name are checked together in one tsquery.
func (t searchTerms) perWord(b *memberQueryBuilder, vec, grp []string) string {
	var conds, plain []string
	for i := range t.tokens {
		switch {
		case !t.inGroups(i):
			plain = append(plain, vec[i])
		case grp[i] == "":
			conds = append(conds, "m.search_vector @@ "+b.tsq(vec[i]))
		default:
			conds = append(conds, "(m.search_vector @@ "+b.tsq(vec[i])+" OR k.group_words @@ "+b.lexq(grp[i])+")")
		}
	}
	if len(plain) > 0 {
		conds = append([]string{"m.search_vector @@ " + b.tsq(strings.Join(plain, " & "))}, conds...)
	}
	return "(" + strings.Join(conds, " AND ") + ")"
}

// condition is the SQL condition for a member to match, checked on each
// member of the list's relation (List's FROM; with words in group names it
// includes member_group_keys k). Without words in group names the
// members' GIN index finds the candidates; otherwise it may not, and
// statements that must find all matches read memberListSQL.sources.
func (t searchTerms) condition(b *memberQueryBuilder) string {
	if !t.usesGroups() {
		return "m.search_vector @@ " + b.tsq(strings.Join(t.match, " & "))
	}
	return t.perWord(b, t.match, t.groupMatch)
}

// When every word occurs in group names, the matches fall in two disjoint
// parts: groupPart, the members that match every word in group_words (a
// condition on member_group_keys k alone), and vectorPart, the others,
// which match at least one word in their own vector (a condition on the
// list's relation). Counting and ranking read the first part from
// member_group_keys without the members' rows.
func (t searchTerms) groupPart(b *memberQueryBuilder) string {
	return "k.group_words @@ " + b.lexq(searchAnd(t.groupMatch))
}

func (t searchTerms) vectorPart(b *memberQueryBuilder) string {
	return "m.search_vector @@ " + b.tsq(strings.Join(t.match, " | ")) + " AND NOT " + t.groupPart(b) +
		" AND " + t.perWord(b, t.match, t.groupMatch)
}

// Relevance puts the matches in tiers, each ordered by name:
//
//  0. exact name matches: the input is the member's full name (either
//     order), last name or first name ("Müller" finds Müller first);
//  1. last names starting with the input (Müllerschön);
//  2. matches in the names, email, notes or group names (weights A and B;
//     group names count as B);
//  3. matches anywhere else (address, custom values);
//  4. names that are only similar (typos), most similar first.
//
// Tiers 0 and 1 come from indexes (the name_keys index, the sort_name
// range), so a short input that matches tens of thousands of
// members ("sch") answers its first pages without ranking them all; the
// other tiers are ranked only when a page reaches them.

// exactCond is tier 0: the words as whole name words, and the whole name
// compared (the GIN index on name_keys finds the few candidates).
func (t searchTerms) exactCond(b *memberQueryBuilder) string {
	words := make([]string, len(t.tokens))
	for i, w := range t.tokens {
		words[i] = "'" + w + "':A"
		if alt := searchUmlautSpelling.Replace(w); alt != w {
			words[i] = "('" + w + "':A | '" + alt + "':A)"
		}
	}
	return "(m.search_vector @@ " + b.tsq(strings.Join(words, " & ")) + " AND m.name_keys && " +
		b.arg([]string{t.key, t.altKey}) + "::text[])"
}

// prefixCond is tier 1: sort_name (last name, first name) starts with
// the input. The range is what the index serves (the database collates
// by code point); ^@ states the exact condition. col is the sort_name
// column to test (members' or member_group_keys' copy).
func (t searchTerms) prefixCond(b *memberQueryBuilder, col string) string {
	one := func(k string) string {
		return "(" + col + " >= " + b.text(k) + " AND " + col + " < " + b.text(k+"\U0010FFFF") + " AND " + col + " ^@ " + b.text(k) + ")"
	}
	if t.altKey == t.key {
		return one(t.key)
	}
	return "(" + one(t.key) + " OR " + one(t.altKey) + ")"
}

// tier23 are the conditions of tiers 2 and 3 for a member of the list's
// relation.
func (t searchTerms) tier23(b *memberQueryBuilder) (two, three string) {
	if !t.usesGroups() {
		return "m.search_vector @@ " + b.tsq(t.abQuery), "m.search_vector @@ " + b.tsq(t.tsquery)
	}
	return t.perWord(b, t.ab, t.groupPrefix), t.perWord(b, t.prefix, t.groupPrefix)
}

// similarity ranks the typos only: computing it for every match in tiers
// 2 and 3 would cost more than the rest of the page. Against sort_name
// (the names).
func (t searchTerms) similarity(b *memberQueryBuilder) string {
	sim := "word_similarity(" + b.text(t.key) + ", m.sort_name)"
	if t.altKey != t.key {
		sim = "greatest(" + sim + ", word_similarity(" + b.text(t.altKey) + ", m.sort_name))"
	}
	return sim
}

// restOrder orders tiers 2 to 4: a tier and a similarity expression.
func (t searchTerms) restOrder(b *memberQueryBuilder) (tier, sim string) {
	two, three := t.tier23(b)
	return "CASE WHEN " + two + " THEN 2 WHEN " + three + " THEN 3 ELSE 4 END",
		"CASE WHEN NOT " + three + " THEN " + t.similarity(b) + " END"
}

// groupPartRest selects tiers 2 to 4 of groupPart (id, tier, sim,
// sort_name) from member_group_keys k alone: a member that matches every
// word as a prefix in group_words is in tier 2 (the exact and prefix
// tiers were taken out first); only one that needs a similar word somewhere
// has its row read to be ranked.
func (t searchTerms) groupPartRest(b *memberQueryBuilder, where string) string {
	tier, sim := t.restOrder(b)
	inTwo := "false"
	if !slices.Contains(t.groupPrefix, "") {
		inTwo = "k.group_words @@ " + b.lexq(searchAnd(t.groupPrefix))
	}
	return `SELECT k.member_id AS id,
			CASE WHEN ` + inTwo + ` THEN 2 ELSE (SELECT ` + tier + ` FROM members m WHERE m.id = k.member_id) END AS tier,
			CASE WHEN ` + inTwo + ` THEN NULL ELSE (SELECT ` + sim + ` FROM members m WHERE m.id = k.member_id) END AS sim,
			k.sort_name
		FROM member_group_keys k
		WHERE ` + where + ` AND ` + t.groupPart(b) + `
			AND k.member_id NOT IN (SELECT m.id FROM members m WHERE ` + t.exactCond(b) + `)
			AND NOT ` + t.prefixCond(b, "k.sort_name")
}

// Search finds members for q across all statuses, best matches first, at
// most limit (1..100, default 20) — for pickers (adding members to a
// group) and tests. The overview uses List with MemberQuery.Q, which
// filters and ranks the same way. Blank or punctuation-only q finds nobody.
func (s *Members) Search(ctx context.Context, actor authz.Actor, q string, limit int) ([]MemberRow, error) {
	if _, ok := parseSearch(q); !ok {
		return nil, actor.Require(authz.Member, authz.Read)
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return nil, err
	}
	page, err := s.list(ctx, actor, MemberQuery{Q: q, Status: MemberStatusAll, Sort: MemberSortRelevance, PerPage: limit, Page: 1, anyPerPage: true},
		MemberPage{}, memberGroupFilter{})
	if err != nil {
		return nil, err
	}
	return page.Rows, nil
}
