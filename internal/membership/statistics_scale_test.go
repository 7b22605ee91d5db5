package membership

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// histWorld is a club with a generated history: members with one to
// three periods (re-joins, some on the day they left), memberships in
// several groups with several roles (club-wide ones held in two groups
// at once, re-joins in the same group, memberships outside the member's
// periods), birth dates on and beside the birthdays of the days asked,
// and many boundaries on those days. Its Go copy is the independent
// recount the statements are checked against.
type histWorld struct {
	days     []time.Time
	groups   []Group
	roles    []string // role ids: club-wide ones first
	members  []histWorldMember
	birthID  string
	brackets []int
}

type histWorldMember struct {
	id, first string
	periods   [][2]*time.Time // from, until (nil: open)
	ships     []histWorldShip
	birth     *time.Time
}

type histWorldShip struct {
	group       int
	role        string
	from, until *time.Time
}

func covers(from, until *time.Time, d time.Time) bool {
	return !from.After(d) && (until == nil || until.After(d))
}

func (m histWorldMember) activeOn(d time.Time) bool {
	for _, p := range m.periods {
		if covers(p[0], p[1], d) {
			return true
		}
	}
	return false
}

// ageOn is PostgreSQL's date_part('year', age(d, birth)): full years,
// negative for a birth after d (age(d, b) = -age(b, d)).
func ageOn(d, birth time.Time) int {
	full := func(from, to time.Time) int {
		y := to.Year() - from.Year()
		if to.Month() < from.Month() || (to.Month() == from.Month() && to.Day() < from.Day()) {
			y--
		}
		return y
	}
	if birth.After(d) {
		return -full(d, birth)
	}
	return full(birth, d)
}

func newHistWorld(t *testing.T, s *Groups, db *pgxpool.Pool, n int) *histWorld {
	t.Helper()
	ctx := context.Background()
	h := NewHistory(db)
	today := Today()
	w := &histWorld{
		days:     []time.Time{day("2021-12-31"), day("2022-01-01"), day("2023-06-15"), today},
		brackets: []int{0, 7, 18, 27, 65},
	}
	birth, err := NewCustomFields(db).Create(ctx, groupAdmin, CustomFieldInput{Name: "Geburtsdatum", ValueType: CustomFieldDate})
	if err != nil {
		t.Fatal(err)
	}
	w.birthID = birth.ID
	if err := h.SetBirthDateField(ctx, groupAdmin, birth.ID); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Trainer", "Betreuer"} {
		r, err := h.CreateRole(ctx, groupAdmin, "", name, false)
		if err != nil {
			t.Fatal(err)
		}
		w.roles = append(w.roles, r.ID)
	}
	for i := range 6 {
		w.groups = append(w.groups, groupTestCreate(t, s, fmt.Sprintf("Abteilung %d", i)))
	}
	ownRole := map[int]string{}
	for _, gi := range []int{0, 1} {
		r, err := h.CreateRole(ctx, groupAdmin, w.groups[gi].ID, "Kassenwart", false)
		if err != nil {
			t.Fatal(err)
		}
		w.roles = append(w.roles, r.ID)
		ownRole[gi] = r.ID
	}

	rnd := rand.New(rand.NewPCG(14, uint64(n)))
	// near: a day asked, the day before or the day after; else any day
	// of ten years (all before today: memberships cannot be dated later).
	pick := func() time.Time {
		if rnd.IntN(2) == 0 {
			d := w.days[rnd.IntN(len(w.days))].AddDate(0, 0, rnd.IntN(3)-1)
			if d.After(today) {
				d = today
			}
			return d
		}
		return day("2014-01-01").AddDate(0, 0, rnd.IntN(3650))
	}
	// spans cuts 2k sorted distinct days into [from, until) spans; the
	// last is open when the days are odd in number or with probability
	// 1/2; one may begin on the day the one before ends (a re-join on
	// the day of leaving).
	spans := func(k int) [][2]*time.Time {
		var pts []time.Time
		for range 2 * k {
			pts = append(pts, pick())
		}
		slices.SortFunc(pts, func(a, b time.Time) int { return a.Compare(b) })
		pts = slices.Compact(pts)
		var out [][2]*time.Time
		for i := 0; i < len(pts); i += 2 {
			from := pts[i]
			if len(out) > 0 && rnd.IntN(4) == 0 {
				from = *out[len(out)-1][1]
			}
			if i+1 == len(pts) || (i+2 == len(pts) && rnd.IntN(2) == 0) {
				out = append(out, [2]*time.Time{&from, nil})
				break
			}
			until := pts[i+1]
			out = append(out, [2]*time.Time{&from, &until})
		}
		return out
	}

	var shipMember, shipGroup, shipRole, shipFrom, shipUntil []*string
	str := func(d *time.Time) *string {
		if d == nil {
			return nil
		}
		s := d.Format(time.DateOnly)
		return &s
	}
	for i := range n {
		m := histWorldMember{first: fmt.Sprintf("S%03d", i), periods: spans(1 + rnd.IntN(3))}
		switch rnd.IntN(6) {
		case 0: // no birth date
		case 1: // a birthday on a day asked (or the day after): the bracket's edge
			d := w.days[rnd.IntN(len(w.days))].AddDate(-[]int{7, 18, 27, 65, 0, 6}[rnd.IntN(6)], 0, rnd.IntN(2))
			m.birth = &d
		default:
			d := day("1940-01-01").AddDate(0, 0, rnd.IntN(365*86))
			m.birth = &d
		}
		first := m.periods[0]
		if err := db.QueryRow(ctx, `INSERT INTO members (first_name, last_name, join_date, exit_date) VALUES ($1, 'Stat', $2::date, $3::date) RETURNING id`,
			m.first, str(first[0]), str(first[1])).Scan(&m.id); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.periods[1:] {
			if _, err := db.Exec(ctx, `INSERT INTO member_periods (member_id, starts_on, ends_on) VALUES ($1, $2::date, $3::date)`,
				m.id, str(p[0]), str(p[1])); err != nil {
				t.Fatalf("period %v–%v of %s: %v", p[0], p[1], m.first, err)
			}
		}
		if m.birth != nil {
			if _, err := db.Exec(ctx, `INSERT INTO custom_field_values (member_id, custom_field_id, value) VALUES ($1, $2, $3)`,
				m.id, birth.ID, m.birth.Format(time.DateOnly)); err != nil {
				t.Fatal(err)
			}
		}
		for _, gi := range rnd.Perm(len(w.groups))[:rnd.IntN(5)] {
			for _, sp := range spans(1 + rnd.IntN(2)) {
				sh := histWorldShip{group: gi, from: sp[0], until: sp[1]}
				switch rnd.IntN(5) {
				case 0:
					sh.role = w.roles[0]
				case 1:
					sh.role = w.roles[1]
				case 2:
					sh.role = ownRole[gi] // "" for a group without its own role
				}
				m.ships = append(m.ships, sh)
				id, g := m.id, w.groups[gi].ID
				shipMember, shipGroup = append(shipMember, &id), append(shipGroup, &g)
				if sh.role == "" {
					shipRole = append(shipRole, nil)
				} else {
					r := sh.role
					shipRole = append(shipRole, &r)
				}
				shipFrom, shipUntil = append(shipFrom, str(sh.from)), append(shipUntil, str(sh.until))
			}
		}
		w.members = append(w.members, m)
	}
	if _, err := db.Exec(ctx, `INSERT INTO group_memberships (member_id, group_id, role_id, valid_from, valid_until)
		SELECT m::uuid, g::uuid, r::uuid, f::date, u::date FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) x (m, g, r, f, u)`,
		shipMember, shipGroup, shipRole, shipFrom, shipUntil); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestStatisticsEqualRecountAtScale: on days with many boundaries (a
// period or membership beginning or ending on the day or beside it, a
// re-join on the day of leaving, a birthday on the day), every number
// equals a recount in Go of the generated history, and its link lists
// exactly that many members.
func TestStatisticsEqualRecountAtScale(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	w := newHistWorld(t, s, db, 300)
	h, members := NewHistory(db), NewMembers(db)

	check := func(what string, c StatCount, want int) {
		t.Helper()
		if c.Count != want {
			t.Errorf("%s: %d, recount %d", what, c.Count, want)
		}
		q := c.Query
		q.PerPage = 10
		p, err := members.List(ctx, groupReadOnly, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want {
			t.Errorf("%s: the link lists %d members, recount %d", what, p.Total, want)
		}
	}
	nonZero := map[string]bool{}
	for _, d := range w.days {
		ds := d.Format(time.DateOnly)
		st, err := h.Statistics(ctx, groupReadOnly, d, w.brackets)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		groups := make([]int, len(w.groups))
		roles := map[string]int{}
		ages := make([]int, len(w.brackets)+1)
		for _, m := range w.members {
			if !m.activeOn(d) {
				continue
			}
			active++
			inGroup := map[int]bool{}
			holds := map[string]bool{}
			for _, sh := range m.ships {
				if covers(sh.from, sh.until, d) {
					inGroup[sh.group] = true
					if sh.role != "" {
						holds[sh.role] = true
					}
				}
			}
			for g := range inGroup {
				groups[g]++
			}
			for r := range holds {
				roles[r]++
			}
			if m.birth == nil {
				ages[len(w.brackets)]++
				continue
			}
			a := ageOn(d, *m.birth)
			for i := len(w.brackets) - 1; i >= 0; i-- {
				if a >= w.brackets[i] {
					ages[i]++
					break
				}
			}
		}
		check("members on "+ds, st.Members, active)
		nonZero["members"] = nonZero["members"] || active > 0

		if len(st.Years) != StatisticsYears || st.Years[len(st.Years)-1].Year != d.Year() {
			t.Fatalf("years on %s: %+v", ds, st.Years)
		}
		for _, y := range st.Years {
			joins, exits := 0, 0
			for _, m := range w.members {
				joined, left := false, false
				for _, p := range m.periods {
					joined = joined || p[0].Year() == y.Year
					left = left || (p[1] != nil && p[1].Year() == y.Year)
				}
				if joined {
					joins++
				}
				if left {
					exits++
				}
			}
			check(fmt.Sprintf("joins %d", y.Year), y.Joins, joins)
			check(fmt.Sprintf("exits %d", y.Year), y.Exits, exits)
			nonZero["exits"] = nonZero["exits"] || exits > 0
		}

		if len(st.Groups) != len(w.groups) {
			t.Fatalf("groups on %s: %+v", ds, st.Groups)
		}
		for _, g := range st.Groups {
			i := slices.IndexFunc(w.groups, func(x Group) bool { return x.Slug == g.Key })
			if i < 0 {
				t.Fatalf("group %q", g.Key)
			}
			check("group "+g.Key+" on "+ds, g, groups[i])
			nonZero["group"] = nonZero["group"] || groups[i] > 0
		}

		if len(st.Roles) != len(w.roles) {
			t.Fatalf("roles on %s: %+v", ds, st.Roles)
		}
		for _, r := range st.Roles {
			if !slices.Contains(w.roles, r.Key) {
				t.Fatalf("role %q", r.Key)
			}
			check("role "+r.Label+" on "+ds, r, roles[r.Key])
			nonZero["role"] = nonZero["role"] || roles[r.Key] > 0
		}

		if st.BirthField != w.birthID || len(st.Ages) != len(w.brackets)+1 {
			t.Fatalf("ages on %s: %+v", ds, st.Ages)
		}
		for i, a := range st.Ages {
			check("age "+a.Key+" on "+ds, a, ages[i])
			nonZero["age"] = nonZero["age"] || (i < len(w.brackets) && ages[i] > 0)
		}
		nonZero["unknown age"] = nonZero["unknown age"] || ages[len(w.brackets)] > 0
	}
	// The world has something to count in every table (so that a
	// statement counting nothing cannot pass).
	for _, what := range []string{"members", "exits", "group", "role", "age", "unknown age"} {
		if !nonZero[what] {
			t.Errorf("the generated history has no %s to count", what)
		}
	}
}

// TestGroupMembershipsEqualRecountAtScale: the group page's lists —
// current, former and all, on days with many boundaries, in each sort
// and direction, searched — hold exactly the memberships a recount in
// Go finds, each once across the pages, and the total says how many.
func TestGroupMembershipsEqualRecountAtScale(t *testing.T) {
	s, db := groupTestStore(t)
	ctx := context.Background()
	w := newHistWorld(t, s, db, 160)
	h := NewHistory(db)
	type key struct {
		member string
		from   string
	}
	for gi, g := range w.groups[:3] {
		for _, d := range w.days {
			for _, show := range []string{GroupShowCurrent, GroupShowFormer, GroupShowAll} {
				for _, search := range []string{"", "S1"} {
					want := map[key]bool{}
					for _, m := range w.members {
						if search != "" && !strings.Contains(m.first, search) {
							continue
						}
						current := false
						for _, sh := range m.ships {
							current = current || (sh.group == gi && covers(sh.from, sh.until, d))
						}
						for _, sh := range m.ships {
							if sh.group != gi {
								continue
							}
							var in bool
							switch show {
							case GroupShowCurrent:
								in = covers(sh.from, sh.until, d)
							case GroupShowFormer:
								in = !current && sh.until != nil && !sh.until.After(d)
							default:
								in = !sh.from.After(d)
							}
							if in {
								want[key{m.id, sh.from.Format(time.DateOnly)}] = true
							}
						}
					}
					sorts := []string{GroupMemberSortName, GroupMemberSortRole, GroupMemberSortSince}
					if search != "" {
						sorts = sorts[:1]
					}
					for _, sort := range sorts {
						for _, desc := range []bool{false, true} {
							what := fmt.Sprintf("%s %s on %s q=%q sort %s desc %v", g.Slug, show, d.Format(time.DateOnly), search, sort, desc)
							got := map[key]bool{}
							for page := 1; ; page++ {
								p, err := h.GroupMemberships(ctx, groupReadOnly, GroupHistoryQuery{GroupID: g.ID, AsOf: d, Show: show,
									Q: search, Sort: sort, Desc: desc, Page: page, PerPage: 20})
								if err != nil {
									t.Fatal(err)
								}
								if p.Total != len(want) {
									t.Fatalf("%s: total %d, recount %d", what, p.Total, len(want))
								}
								for _, r := range p.Rows {
									k := key{r.MemberID, r.From.Format(time.DateOnly)}
									if got[k] || !want[k] {
										t.Fatalf("%s: row %+v twice or not in the recount", what, r)
									}
									got[k] = true
								}
								if page >= p.Pages() {
									break
								}
							}
							if len(got) != len(want) {
								t.Fatalf("%s: %d rows over the pages, recount %d", what, len(got), len(want))
							}
						}
					}
				}
			}
		}
	}
}
