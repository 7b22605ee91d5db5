package security

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mila/internal/webtest"
)

// expect is what a hostile request must get.
type expect int

const (
	// refused: a 4xx naming the field (aria-invalid or a summary link),
	// the database unchanged.
	refused expect = iota
	// status: exactly the case's code, the database unchanged.
	status
	// same: any 2xx or 3xx, the database unchanged (a page, or a redirect
	// with a flash saying why nothing happened).
	same
	// accepted: a 2xx or 3xx; the database may change (values at a limit).
	accepted
)

// hcase is one hostile request.
type hcase struct {
	name   string
	method string
	path   string
	form   func() url.Values // nil: no form (GET) — or see raw
	raw    string            // a raw form body (invalid encodings, huge bodies)
	header []string
	want   expect
	field  string // refused: the field that must be marked
	code   int    // status: the exact code
	text   string // when set, the body must contain it
	loc    string // when set, the Location must be exactly this
}

// Characters and strings hostile input is made of.
const (
	ae    = "ä"
	emoji = "😀"
	nul   = "\x00"
	bad8  = "\xff\xfe"
	bidi  = "\u202e"
	bell  = "\a"
	c1    = "\u0085"
	xss   = `<script>alert(1)</script>`
	attr  = `" onmouseover="alert(1)`
	sqli  = `'; DROP TABLE members; --`
	fts   = `& | ! ( ) : * ' \ <-> "`
)

func rep(s string, n int) string { return strings.Repeat(s, n) }

// vals builds a static form from key/value pairs (keys may repeat).
func vals(kv ...string) func() url.Values {
	return func() url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
}

// TestHostileInput sends every form and URL parameter values made to
// break it: lengths at the limit and one past (in characters, multi-byte
// too), blanks, NUL, invalid UTF-8, control and bidi characters, markup,
// SQL and full-text syntax, absurd numbers and dates, unknown keys, ids
// and slugs, repeated keys and oversized bodies. Nothing may answer 500;
// every refusal names the field (or is a clean 404/400/413) and leaves
// the database byte for byte as it was; values exactly at a limit are
// accepted.
func TestHostileInput(t *testing.T) {
	srv := webtest.NewServer(t)
	fx := newFixture(t, srv)
	admin := signIn(t, srv, fx.email["admin"])
	cases := hostileCases(fx)
	if len(cases) < 150 {
		t.Errorf("only %d hostile cases; the issue asks for at least 150", len(cases))
	}
	byArea, byWant := map[string]int{}, map[expect]int{}
	for _, tc := range cases {
		byArea[strings.Fields(tc.name)[0]]++
		byWant[tc.want]++
	}
	t.Logf("%d hostile cases: %v; refused %d, exact status %d, unchanged 2xx/3xx %d, accepted at limits %d",
		len(cases), byArea, byWant[refused], byWant[status], byWant[same], byWant[accepted])
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Errorf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		before := webtest.Checksum(t, srv.DB)
		req := webtest.NewRequest(t, tc.method, tc.path, nil, tc.header...)
		if tc.form != nil || tc.raw != "" {
			body := tc.raw
			if tc.form != nil {
				body = tc.form().Encode()
			}
			req.Body = io.NopCloser(strings.NewReader(body))
			req.ContentLength = int64(len(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res := srv.Do(t, admin, req)
		page := webtest.Body(t, res)
		after := webtest.Checksum(t, srv.DB)
		code := res.StatusCode
		where := fmt.Sprintf("%s: %s %s", tc.name, tc.method, tc.path)
		if code >= 500 {
			t.Errorf("%s: %d (server error)", where, code)
			continue
		}
		switch tc.want {
		case refused:
			if code < 400 || code > 499 {
				t.Errorf("%s: %d, want a 4xx refusal", where, code)
			} else if !fieldMarked(page, tc.field) {
				t.Errorf("%s: %d without an error at field %q", where, code, tc.field)
			}
		case status:
			if code != tc.code {
				t.Errorf("%s: %d, want %d", where, code, tc.code)
			}
		case same, accepted:
			if code < 200 || code > 399 {
				t.Errorf("%s: %d, want 2xx or 3xx", where, code)
			}
		}
		if tc.want != accepted && after != before {
			t.Errorf("%s: the database changed (%s)", where, webtest.ChangedTables(before, after))
		}
		if tc.text != "" && !strings.Contains(page, tc.text) {
			t.Errorf("%s: body lacks %q", where, tc.text)
		}
		if tc.loc != "" && res.Header.Get("Location") != tc.loc {
			t.Errorf("%s: Location %q, want %q", where, res.Header.Get("Location"), tc.loc)
		}
		// A refused sign-in may not sign the admin out; renew if it did.
		if sessionToken(srv, admin) == "" {
			admin = signIn(t, srv, fx.email["admin"])
		}
	}
	noServerErrors(t, srv)
}

func hostileCases(fx *fixture) []hcase {
	var cs []hcase
	add := func(c ...hcase) { cs = append(cs, c...) }
	get := func(name, path string, want expect, code int) hcase {
		return hcase{name: name, method: http.MethodGet, path: path, want: want, code: code}
	}
	post := func(name, path string, form func() url.Values, want expect, field string) hcase {
		return hcase{name: name, method: http.MethodPost, path: path, form: form, want: want, field: field}
	}
	postCode := func(name, path string, form func() url.Values, code int) hcase {
		return hcase{name: name, method: http.MethodPost, path: path, form: form, want: status, code: code}
	}

	// --- member form: create -------------------------------------------
	// A valid new member with one field replaced (or added).
	newMember := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := url.Values{"first_name": {"Eva"}, "last_name": {"Ernst"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
	}
	mc := func(name, field, value string) hcase {
		return post("member create "+name, "/members", newMember(field, value), refused, field)
	}
	add(
		mc("first_name empty", "first_name", ""),
		mc("first_name whitespace", "first_name", " \t  "),
		mc("first_name 101 ascii", "first_name", rep("a", 101)),
		mc("first_name 101 umlauts", "first_name", rep(ae, 101)),
		mc("first_name 101 emoji", "first_name", rep(emoji, 101)),
		mc("first_name NUL", "first_name", "Ev"+nul+"a"),
		mc("first_name invalid utf8", "first_name", "Ev"+bad8+"a"),
		mc("first_name bell", "first_name", "Ev"+bell+"a"),
		mc("first_name bidi override", "first_name", "Ev"+bidi+"a"),
		mc("first_name newline", "first_name", "Eva\nEvil"),
		mc("last_name empty", "last_name", ""),
		mc("last_name 101 umlauts", "last_name", rep(ae, 101)),
		mc("last_name C1 control", "last_name", "Er"+c1+"nst"),
		mc("last_name bidi isolate", "last_name", "Ernst\u2066x"),
		mc("email no at", "email", "not-an-email"),
		mc("email markup", "email", xss+"@example.org"),
		mc("email 255", "email", rep("a", 243)+"@example.org"),
		mc("email display name", "email", "Eva <eva@example.org>"),
		mc("email NUL", "email", "eva"+nul+"@example.org"),
		mc("phone 51", "phone", rep("1", 51)),
		mc("street 201 umlauts", "street", rep(ae, 201)),
		mc("house_number 21", "house_number", rep("9", 21)),
		mc("postal_code 21", "postal_code", rep("0", 21)),
		mc("city 101 emoji", "city", rep(emoji, 101)),
		mc("country 101", "country", rep("x", 101)),
		mc("notes 10001", "notes", rep("n", 10001)),
		mc("notes NUL", "notes", "line"+nul),
		mc("notes bidi", "notes", "a"+bidi+"b"),
		mc("join_date year 0", "join_date", "0000-01-01"),
		mc("join_date year 10000", "join_date", "10000-01-01"),
		mc("join_date 2023-02-30", "join_date", "2023-02-30"),
		mc("join_date before 1800", "join_date", "1799-12-31"),
		mc("join_date after 2999", "join_date", "3000-01-01"),
		mc("join_date german format", "join_date", "01.02.2023"),
		mc("join_date sql", "join_date", "2023-01-01"+sqli),
		mc("join_date negative", "join_date", "-2023-01-01"),
		mc("exit_date before join", "exit_date", "1999-01-01"),
		mc("exit_date garbage", "exit_date", "yesterday"),
		mc("cf integer letters", fx.cf("integer"), "abc"),
		mc("cf integer overflow", fx.cf("integer"), "99999999999999999999"),
		mc("cf integer exponent", fx.cf("integer"), "1e5"),
		mc("cf integer decimal", fx.cf("integer"), "1.5"),
		mc("cf integer arabic digits", fx.cf("integer"), "٣"),
		mc("cf boolean maybe", fx.cf("boolean"), "maybe"),
		mc("cf boolean markup", fx.cf("boolean"), xss),
		mc("cf date 2023-02-30", fx.cf("date"), "2023-02-30"),
		mc("cf date year 0", fx.cf("date"), "0000-01-01"),
		mc("cf date year 10000", fx.cf("date"), "10000-01-01"),
		mc("cf email no domain", fx.cf("email"), "x@"),
		mc("cf email 255", fx.cf("email"), rep("b", 243)+"@example.org"),
		mc("cf string 1001", fx.cf("string"), rep("s", 1001)),
		mc("cf string 1001 umlauts", fx.cf("string"), rep(ae, 1001)),
		mc("cf string NUL", fx.cf("string"), "a"+nul),
		mc("cf string bidi", fx.cf("string"), "a"+bidi+"bc"),
		mc("cf string invalid utf8", fx.cf("string"), bad8),
		mc("cf string newline", fx.cf("string"), "a\nb"),
		post("member create repeated first_name", "/members", vals("first_name", "", "first_name", "Eva", "last_name", "Ernst"), refused, "first_name"),
		hcase{name: "member create bad percent encoding", method: http.MethodPost, path: "/members", raw: "first_name=%zz&last_name=x", want: status, code: http.StatusBadRequest},
		hcase{name: "member create body over 1 MiB", method: http.MethodPost, path: "/members", raw: "first_name=Eva&last_name=Ernst&notes=" + rep("x", 1<<20), want: status, code: http.StatusRequestEntityTooLarge},
	)
	// Values exactly at the limits are accepted.
	atLimit := func(i int) map[string]string {
		return map[string]string{
			"first_name": rep(ae, 100), "last_name": rep(emoji, 100), "phone": rep("1", 50), "street": rep(ae, 200),
			"house_number": rep("9", 20), "postal_code": rep("0", 20), "city": rep(emoji, 100), "country": rep(ae, 100),
			"notes": rep("zeile\n", 1666) + "abcd", "join_date": "1800-01-01", "exit_date": "2999-12-31",
			"email":         fmt.Sprintf("%s%d@example.org", rep("e", 241), i),
			fx.cf("string"): rep(ae, 1000), fx.cf("integer"): "-9223372036854775808", fx.cf("boolean"): "on",
			fx.cf("date"): "2999-12-31", fx.cf("email"): rep("c", 242) + "@example.org",
		}
	}
	limitForm := func(i int) func() url.Values {
		return func() url.Values {
			v := url.Values{}
			for k, x := range atLimit(i) {
				v.Set(k, x)
			}
			return v
		}
	}
	add(
		post("member create all fields at their limits", "/members", limitForm(1), accepted, ""),
		post("member create markup name", "/members", newMember("first_name", xss, "last_name", attr), accepted, ""),
		post("member create sql name", "/members", newMember("first_name", "Robert'); DROP TABLE members;--", "last_name", "O'Brien"), accepted, ""),
		post("member create unknown keys ignored", "/members", newMember("cf_nonexistent", "x", "id", unknownID, "version", "-1", "user_id", fx.targetUserID), accepted, ""),
		post("member create full-text syntax name", "/members", newMember("first_name", "A&B|C!", "last_name", "(x):*"), accepted, ""),
	)

	// --- member form: update -------------------------------------------
	edit := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := url.Values{"first_name": {"Anna"}, "last_name": {"Ahrens"}, "email": {"anna@example.org"},
				"version": {fmt.Sprint(fx.version(fx.anna.ID))}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
	}
	annaPath := "/members/" + fx.anna.ID
	mu := func(name, field, value string) hcase {
		return post("member update "+name, annaPath, edit(field, value), refused, field)
	}
	add(
		mu("first_name empty", "first_name", ""),
		mu("last_name 101 emoji", "last_name", rep(emoji, 101)),
		mu("email invalid", "email", "anna@"),
		mu("join_date year 10000", "join_date", "10000-12-31"),
		mu("exit_date 2023-02-29", "exit_date", "2023-02-29"),
		mu("cf integer NaN", fx.cf("integer"), "NaN"),
		mu("cf date year 0", fx.cf("date"), "0000-00-00"),
		mu("notes invalid utf8", "notes", "ok "+bad8),
		postCode("member update version letters", annaPath, edit("version", "abc"), http.StatusConflict),
		postCode("member update version negative", annaPath, edit("version", "-1"), http.StatusConflict),
		postCode("member update version huge", annaPath, edit("version", "99999999999999999999"), http.StatusConflict),
		postCode("member update version stale", annaPath, func() url.Values {
			v := edit()()
			v.Set("version", fmt.Sprint(fx.version(fx.anna.ID)-1))
			return v
		}, http.StatusConflict),
		postCode("member update unknown id", "/members/"+unknownID, edit(), http.StatusNotFound),
		postCode("member update malformed id", "/members/not-a-uuid", edit(), http.StatusNotFound),
		postCode("member update sql id", "/members/"+url.PathEscape("1' OR '1'='1"), edit(), http.StatusNotFound),
		post("member update all at limits", annaPath, func() url.Values {
			v := limitForm(2)()
			v.Set("version", fmt.Sprint(fx.version(fx.anna.ID)))
			return v
		}, accepted, ""),
	)
	add(
		get("member show unknown id", "/members/"+unknownID, status, 404),
		get("member show malformed id", "/members/x", status, 404),
		get("member show markup id", "/members/"+url.PathEscape(xss), status, 404),
		get("member show NUL id", "/members/%00", status, 404),
		get("member show uuid with spaces", "/members/%20"+fx.anna.ID, status, 404),
		get("member edit unknown id", "/members/"+unknownID+"/edit", status, 404),
		get("member edit malformed id", "/members/12345/edit", status, 404),
		get("member delete confirm unknown id", "/members/"+unknownID+"/delete", status, 404),
		postCode("member delete unknown id", "/members/"+unknownID+"/delete", vals(), 404),
		postCode("member delete malformed id", "/members/"+url.PathEscape("' OR 1=1 --")+"/delete", vals(), 404),
		post("member link user malformed user_id", annaPath+"/user", vals("user_id", "nonsense"), refused, "user_id"),
		post("member link user unknown user_id", annaPath+"/user", vals("user_id", unknownID), refused, "user_id"),
		post("member link user empty user_id", annaPath+"/user", vals("user_id", ""), refused, "user_id"),
		postCode("member link user unknown member", "/members/"+unknownID+"/user", vals("user_id", fx.targetUserID), 404),
		postCode("member unlink malformed member", "/members/zzz/user/unlink", vals(), 404),
		hcase{name: "member DELETE method", method: http.MethodDelete, path: annaPath, want: status, code: http.StatusMethodNotAllowed},
	)

	// --- overview parameters -------------------------------------------
	ov := func(name, query string) hcase {
		return get("overview "+name, "/members?"+query, status, 200)
	}
	q := func(s string) string { return "q=" + url.QueryEscape(s) }
	add(
		ov("q full-text syntax", q(fts)),
		ov("q sql", q(`' OR 1=1 --`)),
		ov("q sql union", q(`x' UNION SELECT password_hash FROM users --`)),
		ov("q markup", q(xss)),
		ov("q 1000 chars", q(rep("a", 1000))),
		ov("q 5000 umlauts", q(rep(ae, 5000))),
		ov("q NUL", "q=%00"),
		ov("q invalid utf8", "q=%FF%FE"),
		ov("q bidi", q(bidi+"anna")),
		ov("q only operators", q("!!! ((( ::: ***")),
		ov("q prefix syntax", q("a:* & b:*")),
		ov("q whitespace", q(" \t ")),
		ov("q emoji", q(emoji+emoji)),
		ov("q backslashes", q(`\\\`)),
		ov("q quotes", q(`"''"`)),
		ov("q repeated", "q=anna&q="+url.QueryEscape(sqli)),
		ov("status unknown", "status=deleted"),
		ov("status sql", "status="+url.QueryEscape("active' OR '1'='1")),
		ov("status upper", "status=ALL"),
		ov("sort unknown", "sort=password_hash"),
		ov("sort unknown custom", "sort=cf_nonexistent"),
		ov("sort bare prefix", "sort=cf_"),
		ov("sort sql", "sort="+url.QueryEscape("name; DROP TABLE members")),
		ov("sort relevance without q", "sort=relevance"),
		ov("sort custom string", "sort="+fx.cf("string")+"&dir=desc"),
		ov("dir unknown", "dir=sideways"),
		ov("dir upper", "dir=DESC"),
		ov("page negative", "page=-1"),
		ov("page zero", "page=0"),
		ov("page letters", "page=abc"),
		ov("page huge", "page=99999999999999999999"),
		ov("page max int64", "page=9223372036854775807"),
		ov("page one million", "page=1000000"),
		ov("page exponent", "page=1e9"),
		ov("per_page zero", "per_page=0"),
		ov("per_page negative", "per_page=-5"),
		ov("per_page huge", "per_page=1000000"),
		ov("per_page 101", "per_page=101"),
		ov("per_page odd", "per_page=7"),
		ov("group unknown", "group=no-such-group"),
		ov("group path", "group="+url.QueryEscape("../etc/passwd")),
		ov("group upper none", "group=NONE"),
		ov("group markup", "group="+url.QueryEscape(xss)),
		ov("group none", "group=none"),
		ov("group valid", "group="+fx.chor.Slug),
		ov("group 101 chars", "group="+rep("a", 101)),
		ov("everything hostile", q(fts)+"&status=x&sort=y&dir=z&page=-9&per_page=abc&group=%00"),
		hcase{name: "overview htmx hostile", method: http.MethodGet, path: "/members?" + q(sqli) + "&page=999999&sort=zzz", header: []string{"HX-Request", "true"}, want: status, code: 200},
	)

	// --- groups list and page ------------------------------------------
	gl := func(name, query string) hcase { return get("groups list "+name, "/groups?"+query, status, 200) }
	add(
		gl("q full-text syntax", q(fts)),
		gl("q sql", q(sqli)),
		gl("q like wildcards", q("%_%")),
		gl("q NUL", "q=%00"),
		gl("q invalid utf8", "q=%C3%28"),
		gl("q 101 umlauts", q(rep(ae, 101))),
		gl("q 10000 chars", q(rep("g", 10000))),
		gl("sort unknown", "sort=id"),
		gl("sort sql", "sort="+url.QueryEscape("name desc; --")),
		gl("dir unknown", "dir=up"),
		gl("page ignored", "page=-3"),
	)
	chorPath := "/groups/" + fx.chor.Slug
	gs := func(name, query string) hcase { return get("group page "+name, chorPath+"?"+query, status, 200) }
	add(
		gs("page negative", "page=-1"),
		gs("page letters", "page=x"),
		gs("page huge", "page=99999999999999999999"),
		gs("page max int64", "page=9223372036854775807"),
		gs("page past the end", "page=500"),
		gs("picker q full-text syntax", q(fts)),
		gs("picker q sql", q(sqli)),
		gs("picker q NUL", "q=%00"),
		gs("picker q invalid utf8", "q=%FF"),
		gs("picker q 10000 chars", q(rep("q", 10000))),
		get("group page unknown slug", "/groups/no-such-group", status, 404),
		get("group page markup slug", "/groups/"+url.PathEscape(xss), status, 404),
		get("group page unknown uuid", "/groups/"+unknownID, status, 404),
		get("group page NUL slug", "/groups/%00", status, 404),
		get("group page 300 chars slug", "/groups/"+rep("a", 300), status, 404),
		get("group edit unknown slug", "/groups/nope/edit", status, 404),
		get("group delete confirm unknown slug", "/groups/nope/delete", status, 404),
		hcase{name: "group candidates hostile q", method: http.MethodGet, path: chorPath + "/candidates?" + q(fts+sqli), header: []string{"HX-Request", "true"}, want: status, code: 200},
		hcase{name: "group candidates invalid utf8", method: http.MethodGet, path: chorPath + "/candidates?q=%FF%00", header: []string{"HX-Request", "true"}, want: status, code: 200},
		hcase{name: "group candidates unknown slug", method: http.MethodGet, path: "/groups/nope/candidates?q=a", header: []string{"HX-Request", "true"}, want: status, code: 404},
	)

	// --- group forms ----------------------------------------------------
	gc := func(name, field string, form func() url.Values) hcase {
		return post("group create "+name, "/groups", form, refused, field)
	}
	add(
		gc("name empty", "name", vals("name", "")),
		gc("name whitespace", "name", vals("name", "   ")),
		gc("name 101", "name", vals("name", rep("n", 101))),
		gc("name 101 umlauts", "name", vals("name", rep(ae, 101))),
		gc("name NUL", "name", vals("name", "Ch"+nul+"or")),
		gc("name invalid utf8", "name", vals("name", "Ch"+bad8)),
		gc("name bidi", "name", vals("name", bidi+"Chor")),
		gc("name only punctuation", "name", vals("name", "!!!")),
		gc("name only emoji", "name", vals("name", rep(emoji, 3))),
		gc("name taken other case", "name", vals("name", "CHOR")),
		gc("name taken with spaces", "name", vals("name", "  chor ")),
		gc("description 501", "description", vals("name", "Neu", "description", rep("d", 501))),
		gc("description NUL", "description", vals("name", "Neu", "description", "x"+nul)),
		gc("repeated name", "name", vals("name", "", "name", "Neu")),
		hcase{name: "group create body over 1 MiB", method: http.MethodPost, path: "/groups", raw: "name=" + rep("x", 2<<20), want: status, code: http.StatusRequestEntityTooLarge},
		post("group create name 100 umlauts", "/groups", vals("name", rep(ae, 100), "description", rep(ae, 500)), accepted, ""),
		post("group create markup name", "/groups", vals("name", xss), accepted, ""),
		post("group update name empty", chorPath, vals("name", ""), refused, "name"),
		post("group update name 101", chorPath, vals("name", rep(emoji, 50)+rep("x", 51)), refused, "name"),
		post("group update name taken", chorPath, vals("name", "band"), refused, "name"),
		post("group update description 501 umlauts", chorPath, vals("name", "Chor", "description", rep(ae, 501)), refused, "description"),
		postCode("group update unknown slug", "/groups/nope", vals("name", "X"), 404),
		post("group delete confirm empty", chorPath+"/delete", vals("confirm_name", ""), refused, "confirm_name"),
		post("group delete confirm other case", chorPath+"/delete", vals("confirm_name", "chor"), refused, "confirm_name"),
		post("group delete confirm trailing space", chorPath+"/delete", vals("confirm_name", "Chor "), refused, "confirm_name"),
		post("group delete confirm NUL", chorPath+"/delete", vals("confirm_name", "Chor"+nul), refused, "confirm_name"),
		post("group delete confirm repeated", chorPath+"/delete", vals("confirm_name", "x", "confirm_name", "Chor"), refused, "confirm_name"),
		post("group delete confirm sql", chorPath+"/delete", vals("confirm_name", "' OR 1=1 --"), refused, "confirm_name"),
		postCode("group delete unknown slug", "/groups/nope/delete", vals("confirm_name", "nope"), 404),
	)

	// --- memberships ----------------------------------------------------
	many := func(n int) func() url.Values {
		return func() url.Values {
			v := url.Values{}
			for i := 0; i < n; i++ {
				v.Add("member_id", fmt.Sprintf("0190f5e4-7c1a-7b3e-9f00-%012d", i))
			}
			v.Set("group", fx.chor.Slug)
			return v
		}
	}
	add(
		postCode("group add malformed member_id", chorPath+"/members", vals("member_id", "not-a-uuid"), 400),
		postCode("group add one malformed of two", chorPath+"/members", vals("member_id", fx.anna.ID, "member_id", "x"), 400),
		postCode("group add sql member_id", chorPath+"/members", vals("member_id", "' OR 1=1 --"), 400),
		postCode("group add NUL member_id", chorPath+"/members", vals("member_id", fx.anna.ID+nul), 400),
		postCode("group add 10001 member_ids", chorPath+"/members", many(10001), 400),
		post("group add unknown member_id", chorPath+"/members", vals("member_id", unknownID), same, ""),
		post("group add none", chorPath+"/members", vals(), same, ""),
		postCode("group add unknown group", "/groups/nope/members", vals("member_id", fx.anna.ID), 404),
		postCode("group remove malformed member", chorPath+"/members/xyz/remove", vals(), 404),
		postCode("group remove unknown member", chorPath+"/members/"+unknownID+"/remove", vals(), 404),
		post("group remove non-member huge page", chorPath+"/members/"+fx.anna.ID+"/remove", vals("page", "99999999999999999999"), same, ""),
		post("group remove non-member negative page", chorPath+"/members/"+fx.anna.ID+"/remove", vals("page", "-7"), same, ""),
		post("member groups add no group", annaPath+"/groups", vals("group", ""), same, ""),
		post("member groups add unknown group", annaPath+"/groups", vals("group", "no-such"), same, ""),
		post("member groups add markup group", annaPath+"/groups", vals("group", xss), same, ""),
		hcase{name: "member groups add htmx unknown group", method: http.MethodPost, path: annaPath + "/groups", form: vals("group", "%00"), header: []string{"HX-Request", "true"}, want: same},
		postCode("member groups add malformed member", "/members/nope/groups", vals("group", fx.chor.Slug), 404),
		postCode("member groups add unknown member", "/members/"+unknownID+"/groups", vals("group", fx.chor.Slug), 404),
		postCode("member groups remove unknown group", annaPath+"/groups/nope/remove", vals(), 404),
		post("member groups remove not in group", annaPath+"/groups/"+fx.chor.Slug+"/remove", vals(), same, ""),
		postCode("bulk add malformed member_id", "/members/groups/add", vals("member_id", "1; DROP", "group", fx.chor.Slug), 400),
		postCode("bulk add 10001 ids", "/members/groups/add", many(10001), 400),
		post("bulk add unknown member_id", "/members/groups/add", vals("member_id", unknownID, "group", fx.chor.Slug), same, ""),
		post("bulk add no group", "/members/groups/add", vals("member_id", fx.anna.ID), same, ""),
		post("bulk add unknown group", "/members/groups/add", vals("member_id", fx.anna.ID, "group", "nope"), same, ""),
		hcase{name: "bulk add return_to offsite", method: http.MethodPost, path: "/members/groups/add", form: vals("member_id", unknownID, "group", "nope", "return_to", "//evil.example/members"), want: same, loc: "/members"},
		postCode("bulk remove malformed member_id", "/members/groups/remove", vals("member_id", "x", "group", fx.chor.Slug), 400),
		post("bulk remove unknown group", "/members/groups/remove", vals("member_id", fx.bert.ID, "group", "<b>"), same, ""),
		post("bulk remove none selected", "/members/groups/remove", vals("group", fx.chor.Slug), same, ""),
	)

	// --- custom fields admin -------------------------------------------
	fc := func(name, field string, form func() url.Values) hcase {
		return post("field create "+name, "/admin/fields", form, refused, field)
	}
	strField := "/admin/fields/" + fx.fields["string"].ID
	add(
		fc("name empty", "name", vals("name", "", "value_type", "string")),
		fc("name 101", "name", vals("name", rep("f", 101), "value_type", "string")),
		fc("name 101 umlauts", "name", vals("name", rep(ae, 101), "value_type", "string")),
		fc("name NUL", "name", vals("name", "F"+nul, "value_type", "string")),
		fc("name bidi", "name", vals("name", "F"+bidi+"x", "value_type", "string")),
		fc("name taken other case", "name", vals("name", "SPITZNAME", "value_type", "string")),
		fc("name only punctuation", "name", vals("name", "???", "value_type", "string")),
		fc("type unknown", "value_type", vals("name", "Neu", "value_type", "float")),
		fc("type empty", "value_type", vals("name", "Neu", "value_type", "")),
		fc("type sql", "value_type", vals("name", "Neu", "value_type", "string'; --")),
		fc("description 501", "description", vals("name", "Neu", "value_type", "string", "description", rep("d", 501))),
		post("field create name 100 emoji-free at limit", "/admin/fields", vals("name", rep(ae, 99)+"x", "value_type", "integer", "description", rep(ae, 500)), accepted, ""),
		post("field update type change with values", strField, vals("name", "Spitzname", "value_type", "integer", "show_in_overview", "on"), refused, "value_type"),
		post("field update name empty", strField, vals("name", "", "value_type", "string"), refused, "name"),
		postCode("field update unknown id", "/admin/fields/"+unknownID, vals("name", "X", "value_type", "string"), 404),
		postCode("field update malformed id", "/admin/fields/abc", vals("name", "X", "value_type", "string"), 404),
		postCode("field delete unknown id", "/admin/fields/"+unknownID+"/delete", vals(), 404),
		get("field edit malformed id", "/admin/fields/"+url.PathEscape(xss)+"/edit", status, 404),
		get("field delete confirm unknown id", "/admin/fields/"+unknownID+"/delete", status, 404),
	)

	// --- users and roles ------------------------------------------------
	uc := func(name, field string, form func() url.Values) hcase {
		return post("user create "+name, "/users", form, refused, field)
	}
	user := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := url.Values{"name": {"Neu"}, "email": {"neu@example.org"}, "role_id": {fx.customRoleID}, "password_mode": {"link"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
	}
	targetPath := "/users/" + fx.targetUserID
	add(
		uc("name empty", "name", user("name", "")),
		uc("name 101", "name", user("name", rep("n", 101))),
		uc("name NUL", "name", user("name", "Ne"+nul+"u")),
		post("user name empty", targetPath+"/name", vals("name", ""), refused, "name"),
		post("user name 101", targetPath+"/name", vals("name", rep("n", 101)), refused, "name"),
		post("account name empty", "/account/name", vals("name", ""), refused, "name"),
		post("account name 101", "/account/name", vals("name", rep("n", 101)), refused, "name"),
		post("account name NUL", "/account/name", vals("name", "Ne"+nul+"u"), refused, "name"),
		uc("email empty", "email", user("email", "")),
		uc("email invalid", "email", user("email", "neu")),
		uc("email 255", "email", user("email", rep("u", 243)+"@example.org")),
		uc("email taken other case", "email", user("email", "ADMIN@EXAMPLE.ORG")),
		uc("email markup", "email", user("email", xss)),
		uc("email NUL", "email", user("email", "neu"+nul+"@example.org")),
		uc("role malformed", "role_id", user("role_id", "admin")),
		uc("role unknown", "role_id", user("role_id", unknownID)),
		uc("role empty", "role_id", user("role_id", "")),
		uc("password_mode unknown", "password_mode", user("password_mode", "none")),
		uc("password too short", "password", user("password_mode", "password", "password", "short")),
		uc("password 257", "password", user("password_mode", "password", "password", rep("p", 257))),
		post("user create at limits", "/users", user("name", rep(ae, 100), "email", rep("u", 242)+"@example.org", "password_mode", "password", "password", rep(ae, 256)), accepted, ""),
		post("user role malformed", targetPath+"/role", vals("role_id", "x"), refused, "role_id"),
		post("user role empty", targetPath+"/role", vals("role_id", ""), refused, "role_id"),
		post("user email invalid", targetPath+"/email", vals("email", "@"), refused, "email"),
		post("user email taken", targetPath+"/email", vals("email", "Admin@Example.org"), refused, "email"),
		postCode("user role unknown user", "/users/"+unknownID+"/role", vals("role_id", fx.adminRoleID), 404),
		postCode("user role malformed user", "/users/abc/role", vals("role_id", fx.adminRoleID), 404),
		postCode("user deactivate malformed", "/users/"+url.PathEscape(sqli)+"/deactivate", vals(), 404),
		postCode("user reactivate unknown", "/users/"+unknownID+"/reactivate", vals(), 404),
		postCode("user link unknown", "/users/"+unknownID+"/link", vals(), 404),
		postCode("user delete malformed", "/users/%00/delete", vals(), 404),
		get("user edit unknown", "/users/"+unknownID, status, 404),
		get("user delete confirm malformed", "/users/x/delete", status, 404),
	)
	rc := func(name, field string, form func() url.Values) hcase {
		return post("role create "+name, "/admin/roles", form, refused, field)
	}
	rolePath := "/admin/roles/" + fx.customRoleID
	add(
		rc("name empty", "name", vals("name", "", "permission_set", "own_data")),
		rc("name 101", "name", vals("name", rep("r", 101), "permission_set", "own_data")),
		rc("name 101 emoji", "name", vals("name", rep(emoji, 101), "permission_set", "own_data")),
		rc("name NUL", "name", vals("name", "R"+nul, "permission_set", "own_data")),
		rc("set unknown", "permission_set", vals("name", "Neu", "permission_set", "root")),
		rc("set empty", "permission_set", vals("name", "Neu", "permission_set", "")),
		rc("description 501", "description", vals("name", "Neu", "permission_set", "own_data", "description", rep("d", 501))),
		post("role create at limits", "/admin/roles", vals("name", rep(ae, 100), "permission_set", "read_only", "description", rep(emoji, 500)), accepted, ""),
		post("role update set unknown", rolePath, vals("name", "Helpers", "permission_set", "superuser"), refused, "permission_set"),
		post("role update name 101", rolePath, vals("name", rep(ae, 101), "permission_set", "own_data"), refused, "name"),
		postCode("role update unknown", "/admin/roles/"+unknownID, vals("name", "X", "permission_set", "own_data"), 404),
		postCode("role update malformed", "/admin/roles/zz", vals("name", "X", "permission_set", "own_data"), 404),
		postCode("role delete malformed", "/admin/roles/zz/delete", vals(), 404),
		get("role edit unknown", "/admin/roles/"+unknownID, status, 404),
	)

	// --- own account ----------------------------------------------------
	pw := func(kv ...string) func() url.Values {
		return func() url.Values {
			v := url.Values{"current_password": {password}, "new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
	}
	add(
		post("account password current wrong", "/account/password", pw("current_password", "wrong"), refused, "current_password"),
		post("account password current empty", "/account/password", pw("current_password", ""), refused, "current_password"),
		post("account password new too short", "/account/password", pw("new_password", "short", "new_password_confirm", "short"), refused, "new_password"),
		post("account password new 257", "/account/password", pw("new_password", rep(ae, 257), "new_password_confirm", rep(ae, 257)), refused, "new_password"),
		post("account password confirm differs", "/account/password", pw("new_password_confirm", "something else"), refused, "new_password_confirm"),
		post("account password new NUL", "/account/password", pw("new_password", "long enough"+nul+"pw", "new_password_confirm", "long enough"+nul+"pw"), refused, "new_password"),
	)

	// --- sign-in, one-time links, language ------------------------------
	add(
		post("sign-in email empty", "/sign-in", vals("email", "", "password", "x"), refused, "email"),
		post("sign-in password empty", "/sign-in", vals("email", "admin@example.org", "password", ""), refused, "password"),
		hcase{name: "sign-in email 10000 chars", method: http.MethodPost, path: "/sign-in", form: vals("email", rep("a", 10000), "password", "x"), want: status, code: 422, text: `id="sign-in-problem"`},
		hcase{name: "sign-in sql email", method: http.MethodPost, path: "/sign-in", form: vals("email", "' OR 1=1 --", "password", "' OR 1=1 --"), want: status, code: 422, text: `id="sign-in-problem"`},
		hcase{name: "sign-in NUL email", method: http.MethodPost, path: "/sign-in", form: vals("email", "admin@example.org"+nul, "password", "x"), want: status, code: 422},
		hcase{name: "sign-in invalid utf8", method: http.MethodPost, path: "/sign-in", form: vals("email", bad8, "password", bad8), want: status, code: 422},
		hcase{name: "sign-in password 1 MiB", method: http.MethodPost, path: "/sign-in", raw: "email=a%40b.org&password=" + rep("p", 1<<20), want: status, code: http.StatusRequestEntityTooLarge},
		get("setup token junk", "/setup?token="+url.QueryEscape(sqli), same, 0),
		postCode("setup post junk", "/setup", vals("token", "junk", "name", "Evil", "email", "evil@example.org", "password", "long enough password", "password_confirm", "long enough password"), 404),
		get("set-password token junk", "/set-password?token=junk", status, 404),
		get("set-password token NUL", "/set-password?token=%00", status, 404),
		get("set-password token invalid utf8", "/set-password?token=%FF%FE", status, 404),
		get("set-password token 10000 chars", "/set-password?token="+rep("t", 10000), status, 404),
		get("set-password no token", "/set-password", status, 404),
		postCode("set-password post junk", "/set-password", vals("token", "junk", "password", "long enough password", "password_confirm", "long enough password"), 404),
		get("lang unknown", "/lang?l=xx", status, 400),
		get("lang empty", "/lang", status, 400),
		get("lang markup", "/lang?l="+url.QueryEscape(xss), status, 400),
		hcase{name: "lang return_to offsite", method: http.MethodGet, path: "/lang?l=de&return_to=" + url.QueryEscape("//evil.example"), want: same, loc: "/"},
		hcase{name: "lang return_to javascript", method: http.MethodPost, path: "/lang", form: vals("l", "en", "return_to", "javascript:alert(1)"), want: same, loc: "/"},
	)
	return cs
}
