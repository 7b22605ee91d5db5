package importer

import (
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"mila/internal/membership"
	"mila/internal/slug"
	"mila/internal/validate"
)

// Row statuses of a dry run.
const (
	StatusNew       = "new"
	StatusUpdate    = "update"
	StatusUnchanged = "unchanged"
	StatusError     = "error"
)

// Change is one field a row changes: old → new in the member form's text
// form (dates yyyy-mm-dd, booleans "true" or ""). For groups, New lists
// the groups the member is added to.
type Change struct {
	Field  string `json:"field"`            // a target: CoreFields name, CustomTarget(slug) or TargetGroups
	Column string `json:"column,omitempty"` // the file's heading for it
	Old    string `json:"old"`
	New    string `json:"new"`
}

// CellError is one problem of a row: the column (heading; "" when the
// problem is with a field the file does not have, such as a required
// custom field), the field, and the message.
type CellError struct {
	Column string `json:"column,omitempty"`
	Field  string `json:"field"`
	Msg    Msg    `json:"msg"`
}

// rowVals is what the commit writes for a row: the member's columns
// (final values), the custom values that change (by field id; "" removes
// the value) and the groups the member joins (names).
type rowVals struct {
	Core   map[string]string `json:"core"`
	Custom map[string]string `json:"custom,omitempty"`
	Groups []string          `json:"groups,omitempty"`
}

// parsed is a row after reading its cells, before it is compared with
// the member it matches.
type parsed struct {
	line     int
	cells    []string
	given    map[string]string // target → value in the form's format
	clear    map[string]bool   // targets the clear marker empties
	groups   []string          // group names, as written, one per group
	errs     []CellError
	memberID string
}

// checker carries the state of a dry run across rows: the index of the
// database and what earlier rows of the file used, for duplicates.
type checker struct {
	p       *plan
	ix      *index
	today   time.Time
	keys    map[string]int            // match key → first line with it
	uniques map[string]map[string]int // unique field slug → value → line
	// earlier lines that a later line turned out to duplicate: they are
	// marked as errors once the whole file is read.
	dups      map[int]CellError
	newGroups map[string]string // folded name → name, groups to create
}

func newChecker(p *plan, ix *index) *checker {
	c := &checker{p: p, ix: ix, today: time.Now(), keys: map[string]int{},
		uniques: map[string]map[string]int{}, dups: map[int]CellError{}, newGroups: map[string]string{}}
	for _, f := range p.fields {
		if f.Unique {
			c.uniques[f.Slug] = map[string]int{}
		}
	}
	return c
}

func (c *checker) addErr(r *parsed, target string, id string, data map[string]any) {
	r.errs = append(r.errs, CellError{Column: c.p.headerOf(target), Field: target, Msg: Msg{ID: id, Data: data}})
}

// cleanCell makes a cell storable text: valid UTF-8 without NUL (a
// workbook can smuggle either in; PostgreSQL takes neither).
func cleanCell(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// parse reads a row's cells by the plan, and finds the member it matches.
func (c *checker) parse(cells []string, line int) *parsed {
	for i := range cells {
		cells[i] = cleanCell(cells[i])
	}
	r := &parsed{line: line, cells: cells, given: map[string]string{}, clear: map[string]bool{}}
	marker := c.p.opts.ClearMarker
	for _, col := range c.p.columns {
		raw := ""
		if col.index < len(cells) {
			raw = strings.TrimSpace(cells[col.index])
		}
		switch {
		case raw == "":
			continue // an empty cell never changes a stored value
		case marker != "" && raw == marker:
			r.clear[col.target] = true
			continue
		case strings.HasPrefix(raw, "="):
			c.addErr(r, col.target, MsgRowFormula, nil)
			continue
		}
		switch {
		case col.target == TargetGroups:
			c.parseGroups(r, raw)
		case col.isDate:
			iso, ok := parseDate(raw, col.dateFormat)
			if !ok {
				c.addErr(r, col.target, MsgRowBadDate, map[string]any{"Format": col.dateFormat})
				continue
			}
			r.given[col.target] = iso
		case col.isBool:
			v, ok := col.yesNo(raw)
			if !ok {
				c.addErr(r, col.target, MsgRowBadYesNo, nil)
				continue
			}
			r.given[col.target] = v
		default:
			r.given[col.target] = raw
		}
	}
	c.match(r)
	return r
}

// parseGroups splits a groups cell at , and ; into names.
func (c *checker) parseGroups(r *parsed, raw string) {
	seen := map[string]bool{}
	for _, name := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' }) {
		name = validate.Clean(name)
		k := foldGroup(name)
		if name == "" || seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := c.ix.groups[k]; !ok {
			e := validate.Errors{}
			validate.Text(e, "name", name, 100, true, false)
			if _, err := slug.Make(name); err != nil || len(e) > 0 {
				c.addErr(r, TargetGroups, MsgRowBadGroup, map[string]any{"Group": name})
				continue
			}
			if !c.p.opts.CreateGroups {
				c.addErr(r, TargetGroups, MsgRowUnknownGroup, map[string]any{"Group": name})
				continue
			}
			if _, ok := c.newGroups[k]; !ok {
				c.newGroups[k] = name
			}
		}
		r.groups = append(r.groups, name)
	}
}

// match finds the member the row's key names, and reports a key that an
// earlier row already had or that several members share.
func (c *checker) match(r *parsed) {
	o := c.p.opts
	var key string
	var candidates []string
	keyTarget := o.matchTargets()[0]
	switch o.Match {
	case MatchEmail:
		if e := r.given["email"]; e != "" {
			key = foldEmail(e)
			// Members may share an address (a household): a row whose
			// address several members have is an error, not a guess.
			candidates = c.ix.byEmail[key]
		}
	case MatchNumber:
		f := c.p.bySlug[o.NumberField]
		if raw := r.given[keyTarget]; raw != "" {
			if v, ok := f.ParseValue(validate.Errors{}, raw); ok && v != "" {
				key = v
				if id, ok := c.ix.unique[f.Slug][v]; ok {
					candidates = []string{id}
				}
			}
		}
	case MatchNameBirth:
		birth := r.given[CustomTarget(o.BirthField)]
		first, last := validate.Clean(r.given["first_name"]), validate.Clean(r.given["last_name"])
		if first != "" && last != "" && birth != "" {
			key = nameBirthKey(first, last, birth)
			candidates = c.ix.byNameBirth[key]
		}
	}
	if key != "" {
		if first, ok := c.keys[key]; ok {
			c.addErr(r, keyTarget, MsgRowDuplicate, map[string]any{"Line": first})
			c.markDup(first, keyTarget, r.line)
			return
		}
		c.keys[key] = r.line
	}
	switch {
	case len(candidates) > 1 && o.Match == MatchEmail:
		c.addErr(r, keyTarget, MsgRowAmbiguousEmail, map[string]any{"Count": len(candidates)})
		return
	case len(candidates) > 1:
		c.addErr(r, keyTarget, MsgRowAmbiguous, map[string]any{"Count": len(candidates)})
		return
	case len(candidates) == 1:
		r.memberID = candidates[0]
	}
	if r.memberID != "" && o.Mode == ModeCreate {
		c.addErr(r, keyTarget, MsgRowExists, nil)
	}
	if r.memberID == "" && o.Mode == ModeUpdate {
		c.addErr(r, keyTarget, MsgRowNoMatch, nil)
	}
}

// markDup remembers that line (an earlier row) shares a value with the
// row at other; the earlier row becomes an error too, once the file is read.
func (c *checker) markDup(line int, target string, other int) {
	if _, ok := c.dups[line]; !ok {
		c.dups[line] = CellError{Column: c.p.headerOf(target), Field: target, Msg: Msg{ID: MsgRowDuplicate, Data: map[string]any{"Line": other}}}
	}
}

// required reports whether target must always have a value.
func (c *checker) required(target string) bool {
	switch target {
	case "first_name", "last_name", "join_date":
		return true
	}
	if f, ok := c.p.bySlug[strings.TrimPrefix(target, customPrefix)]; ok && strings.HasPrefix(target, customPrefix) {
		return f.Required
	}
	return false
}

// rowOut is a checked row, as import_rows stores it.
type rowOut struct {
	line     int
	status   string
	memberID string
	version  int
	cells    []string
	vals     *rowVals
	changes  []Change
	errs     []CellError
}

// build merges the row into the member it matches (s, nil for a new
// member), runs the member form's validation on the result, checks what
// must be unique, and computes the changes.
func (c *checker) build(r *parsed, s *stored) rowOut {
	out := rowOut{line: r.line, cells: r.cells, memberID: r.memberID, errs: r.errs}
	if r.memberID != "" && s == nil {
		// Deleted between reading the index and this chunk: as if unmatched.
		c.addErr(r, c.p.opts.matchTargets()[0], MsgRowNoMatch, nil)
		out.errs, out.status = r.errs, StatusError
		return out
	}
	core := make(map[string]string, len(CoreFields))
	custom := map[string]string{}
	if s != nil {
		out.version = s.version
		for k, v := range s.core {
			core[k] = v
		}
		for k, v := range s.custom {
			custom[k] = v
		}
	}
	for t, v := range r.given {
		if strings.HasPrefix(t, customPrefix) {
			custom[strings.TrimPrefix(t, customPrefix)] = v
		} else {
			core[t] = v
		}
	}
	for t := range r.clear {
		if t == TargetGroups {
			continue // groups are only ever added
		}
		if c.required(t) {
			c.addErr(r, t, MsgRowClearDenied, nil)
			continue
		}
		if strings.HasPrefix(t, customPrefix) {
			custom[strings.TrimPrefix(t, customPrefix)] = ""
		} else {
			core[t] = ""
		}
	}
	in := membership.MemberInput{
		FirstName: core["first_name"], LastName: core["last_name"], Email: core["email"], Phone: core["phone"],
		Street: core["street"], HouseNumber: core["house_number"], PostalCode: core["postal_code"], City: core["city"],
		Country: core["country"], JoinDate: core["join_date"], ExitDate: core["exit_date"], Notes: core["notes"],
		Custom: custom,
	}
	checked, verrs := membership.CheckMember(in, c.p.fields, c.today)
	reported := map[string]bool{}
	for _, e := range r.errs {
		reported[e.Field] = true
	}
	for _, field := range verrs.Fields() {
		t := field
		if strings.HasPrefix(field, "cf_") {
			t = CustomTarget(strings.TrimPrefix(field, "cf_"))
		}
		if reported[t] {
			continue // the cell's own problem (a formula, a bad date) says it
		}
		m := verrs[field]
		r.errs = append(r.errs, CellError{Column: c.p.headerOf(t), Field: t, Msg: Msg{ID: m.ID, Data: m.Data}})
	}
	final := map[string]string{
		"first_name": checked.FirstName, "last_name": checked.LastName, "email": checked.Email, "phone": checked.Phone,
		"street": checked.Street, "house_number": checked.HouseNumber, "postal_code": checked.PostalCode,
		"city": checked.City, "country": checked.Country, "notes": checked.Notes,
		"join_date": checked.JoinDate.Format("2006-01-02"), "exit_date": "",
	}
	if checked.ExitDate != nil {
		final["exit_date"] = checked.ExitDate.Format("2006-01-02")
	}
	c.checkTaken(r, s, checked, verrs)

	vals := &rowVals{Core: final, Custom: map[string]string{}}
	for _, f := range CoreFields {
		old := ""
		if s != nil {
			old = s.core[f]
		}
		if final[f] != old {
			out.changes = append(out.changes, Change{Field: f, Column: c.p.headerOf(f), Old: old, New: final[f]})
		}
	}
	for _, f := range c.p.fields {
		v, ok := checked.Custom[f.Slug]
		if !ok {
			continue // invalid: reported above
		}
		old := ""
		if s != nil {
			old = s.custom[f.Slug]
		}
		if v != old {
			t := CustomTarget(f.Slug)
			out.changes = append(out.changes, Change{Field: t, Column: c.p.headerOf(t), Old: old, New: v})
			vals.Custom[f.ID] = v
		}
	}
	var added []string
	for _, g := range r.groups {
		if s == nil || !s.groups[foldGroup(g)] {
			added = append(added, g)
		}
	}
	if len(added) > 0 {
		vals.Groups = added
		sort.Strings(added)
		out.changes = append(out.changes, Change{Field: TargetGroups, Column: c.p.headerOf(TargetGroups), New: strings.Join(added, ", ")})
	}
	out.errs = r.errs
	switch {
	case len(out.errs) > 0:
		out.status, out.changes = StatusError, nil
	case r.memberID == "":
		out.status, out.vals = StatusNew, vals
	case len(out.changes) == 0:
		out.status = StatusUnchanged
	default:
		out.status, out.vals = StatusUpdate, vals
	}
	return out
}

// checkTaken reports values that must be unique and that another member
// (in the database, or on another row of the file) already has: a linked
// user's email, the values of unique custom fields. A member's email is
// not one of them: a household shares an address (migration 00026).
func (c *checker) checkTaken(r *parsed, s *stored, checked membership.CheckedMember, verrs validate.Errors) {
	if s != nil && !verrs.Has("email") {
		if user, linked := c.ix.userOf[s.id]; linked && foldEmail(checked.Email) != foldEmail(s.core["email"]) {
			if checked.Email == "" {
				c.addErr(r, "email", membership.ErrMemberLinkedNoEmail, nil)
			} else if other, ok := c.ix.userByEmail[foldEmail(checked.Email)]; ok && other != user {
				c.addErr(r, "email", membership.ErrMemberUserEmailTaken, nil)
			}
		}
	}
	for _, f := range c.p.fields {
		v := checked.Custom[f.Slug]
		if !f.Unique || v == "" {
			continue
		}
		t := CustomTarget(f.Slug)
		if owner, ok := c.ix.unique[f.Slug][v]; ok && owner != r.memberID {
			c.addErr(r, t, validate.Taken, nil)
		} else if line, ok := c.uniques[f.Slug][v]; ok {
			if !(c.p.opts.Match == MatchNumber && f.Slug == c.p.opts.NumberField) {
				c.addErr(r, t, MsgRowDuplicate, map[string]any{"Line": line})
				c.markDup(line, t, r.line)
			}
		} else {
			c.uniques[f.Slug][v] = r.line
		}
	}
}
