package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/bench/internal/harness"
)

const (
	loadPassword    = "load run password, not secret"
	loadEmailDomain = "load.mila.example"
	// loadGroupPrefix starts the name of every group the run creates, so
	// that the demo's groups are told apart (and never renamed or deleted).
	loadGroupPrefix = "Lasttest "
	loadRoleName    = "Lasttest Kassenprüfung"
)

// world is what the clients share: values taken from the data set, and
// the groups the run creates (any client may use them; the one that
// created a group renames and deletes it).
type world struct {
	runID       string
	members     []string   // ids of the demo's members (never deleted)
	hot         []string   // a few members every editor edits: concurrent edits meet there
	groups      []groupRef // the demo's groups (never renamed or deleted)
	largest     groupRef
	small       groupRef
	mid         groupRef
	surnames    []string
	firstNames  []string
	searches    []string // misspellings, prefixes, group names, ...
	cfSorts     []string // sort keys of the overview's custom columns
	fields      []fieldRef
	fieldIDs    []string
	userIDs     []string
	systemRoles []string // ids of the four seeded roles (not editable)
	customRoles []string // ids of roles an admin made
	accounts    []account
	loadGroups  sync.Map // slug → *loadGroup

	// Members the clients created; others add them to groups while
	// their creator may be deleting them (404 is then a right answer).
	createdMu sync.Mutex
	created   []string
}

func (w *world) addCreated(id string) {
	w.createdMu.Lock()
	defer w.createdMu.Unlock()
	w.created = append(w.created, id)
}

func (w *world) removeCreated(id string) {
	w.createdMu.Lock()
	defer w.createdMu.Unlock()
	if i := slices.Index(w.created, id); i >= 0 {
		w.created = slices.Delete(w.created, i, i+1)
	}
}

// someCreated is a member some client created during the run, if any.
func (w *world) someCreated(cl *client) (string, bool) {
	w.createdMu.Lock()
	defer w.createdMu.Unlock()
	if len(w.created) == 0 {
		return "", false
	}
	return pick(cl.rng, w.created), true
}

// fieldRef is a custom field: its form name is cf_<slug>.
type fieldRef struct{ slug, typ string }

type groupRef struct {
	Name, Slug string
	Count      int
}

// loadGroup is a group the run created.
type loadGroup struct {
	mu   sync.Mutex
	name string // changes on rename (under mu)
	slug string // stays on rename
}

// randomLoadGroup is any live group the run made, or nil.
func (w *world) randomLoadGroup(cl *client) *loadGroup {
	var all []*loadGroup
	w.loadGroups.Range(func(_, v any) bool {
		all = append(all, v.(*loadGroup))
		return len(all) < 200
	})
	if len(all) == 0 {
		return nil
	}
	return pick(cl.rng, all)
}

// prepare creates the accounts (admin with `mila admin create`, the others
// through the web pages), links the own_data users to members, and reads
// the values the clients ask with.
func prepare(ctx context.Context, c config, m *harness.Server, db *pgxpool.Pool) (*world, error) {
	w := &world{runID: strconv.FormatInt(time.Now().Unix()%1_000_000, 36)}
	admin := account{role: roleAdmin, email: "admin@" + loadEmailDomain, password: loadPassword}
	// The admin as an operator makes the first one: on the command line,
	// beside the running server.
	if err := harness.CreateAdmin(ctx, c.bin, milaEnv(c), filepath.Join(c.out, "load-admin-password"), admin.email, loadPassword); err != nil {
		return nil, err
	}
	setup := newClient(-1, admin, m.Base, w, c.seed)
	if err := setup.signIn(); err != nil {
		return nil, err
	}

	roles := map[string]string{} // system key → id
	rows, err := db.Query(ctx, `SELECT system_key, id::text FROM roles WHERE system_key IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		roles[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// A role of the club's own besides the seeded four, made on its page.
	var custom bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM roles WHERE name = $1)`, loadRoleName).Scan(&custom); err != nil {
		return nil, err
	}
	if !custom {
		res, err := setup.post("POST /admin/roles", "/admin/roles", url.Values{"name": {loadRoleName},
			"description": {"Made by the load run."}, "permission_set": {"normal_user"}}, http.StatusSeeOther)
		if err != nil {
			return nil, fmt.Errorf("create role: %w", err)
		}
		if _, err := setup.follow(res); err != nil {
			return nil, err
		}
	}

	w.accounts = append(w.accounts, admin)
	others := []account{
		{role: roleTreasurer, email: "treasurer@" + loadEmailDomain},
		{role: roleBoard, email: "board@" + loadEmailDomain},
	}
	for i := range c.own {
		others = append(others, account{role: roleMember, email: fmt.Sprintf("member%d@%s", i+1, loadEmailDomain)})
	}
	for _, a := range others {
		a.password = loadPassword
		if roles[a.role] == "" {
			return nil, fmt.Errorf("no seeded role %q", a.role)
		}
		if err := ensureUser(ctx, setup, db, &a, roles[a.role]); err != nil {
			return nil, err
		}
		w.accounts = append(w.accounts, a)
	}
	if err := db.QueryRow(ctx, `SELECT id::text FROM users WHERE email = $1`, admin.email).Scan(&w.accounts[0].userID); err != nil {
		return nil, err
	}
	if err := readWorld(ctx, db, w); err != nil {
		return nil, err
	}
	return w, setup.rec.problem()
}

// ensureUser creates the user through the web form (or finds the one an
// earlier run made) and, for own_data, links it to a member.
func ensureUser(ctx context.Context, setup *client, db *pgxpool.Pool, a *account, roleID string) error {
	var member *string
	err := db.QueryRow(ctx, `SELECT id::text, member_id::text FROM users WHERE email = $1`, a.email).Scan(&a.userID, &member)
	if errors.Is(err, pgx.ErrNoRows) {
		res, err := setup.post("POST /users", "/users", url.Values{"email": {a.email}, "role_id": {roleID},
			"password_mode": {"password"}, "password": {a.password}, "password_confirm": {a.password}}, http.StatusSeeOther)
		if err != nil {
			return fmt.Errorf("create user %s: %w", a.email, err)
		}
		if _, err := setup.follow(res); err != nil {
			return err
		}
		err = db.QueryRow(ctx, `SELECT id::text, member_id::text FROM users WHERE email = $1`, a.email).Scan(&a.userID, &member)
		if err != nil {
			return fmt.Errorf("the new user %s: %w", a.email, err)
		}
	} else if err != nil {
		return err
	}
	// An earlier run's user: same password, role and state as asked.
	if _, err := db.Exec(ctx, `UPDATE users SET role_id = $2, active = true WHERE id = $1 AND (role_id <> $2 OR NOT active)`, a.userID, roleID); err != nil {
		return err
	}
	if a.role != roleMember {
		return nil
	}
	if member != nil {
		a.memberID = *member
		return nil
	}
	// A member no other user is linked to, spread over the register.
	err = db.QueryRow(ctx, `SELECT m.id::text FROM members m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.member_id = m.id)
		AND m.exit_date IS NULL ORDER BY md5(m.id::text || $1) LIMIT 1`, a.email).Scan(&a.memberID)
	if err != nil {
		return fmt.Errorf("a member for %s: %w", a.email, err)
	}
	res, err := setup.post("POST /members/{id}/user", "/members/"+a.memberID+"/user", url.Values{"user_id": {a.userID}}, http.StatusSeeOther)
	if err != nil {
		return fmt.Errorf("link %s to member %s: %w", a.email, a.memberID, err)
	}
	_, err = setup.follow(res)
	return err
}

// readWorld reads ids, names and keys from the data set.
func readWorld(ctx context.Context, db *pgxpool.Pool, w *world) error {
	strs := func(sql string, args ...any) ([]string, error) {
		rows, err := db.Query(ctx, sql, args...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sql, err)
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	var err error
	// Members of earlier runs (not linked to a load user) are as good as
	// the demo's; members linked to own_data users are left to those.
	if w.members, err = strs(`SELECT m.id::text FROM members m WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.member_id = m.id) ORDER BY m.id`); err != nil {
		return err
	}
	if len(w.members) < 100 {
		return fmt.Errorf("only %d members", len(w.members))
	}
	for i := range 20 {
		w.hot = append(w.hot, w.members[(i*7919)%len(w.members)])
	}
	rows, err := db.Query(ctx, `SELECT name, slug, member_count FROM groups WHERE name NOT LIKE $1 ORDER BY slug`, loadGroupPrefix+"%")
	if err != nil {
		return err
	}
	w.groups, err = pgx.CollectRows(rows, pgx.RowToStructByPos[groupRef])
	if err != nil {
		return err
	}
	if len(w.groups) < 3 {
		return fmt.Errorf("only %d groups in the data set (-groups)", len(w.groups))
	}
	w.largest, w.small = w.groups[0], w.groups[0]
	for _, g := range w.groups {
		if g.Count > w.largest.Count {
			w.largest = g
		}
		if g.Count < w.small.Count {
			w.small = g
		}
	}
	w.mid = w.groups[len(w.groups)/2]

	// Groups an earlier run left behind: the clients use and delete them too.
	left, err := db.Query(ctx, `SELECT name, slug FROM groups WHERE name LIKE $1`, loadGroupPrefix+"%")
	if err != nil {
		return err
	}
	for left.Next() {
		g := &loadGroup{}
		if err := left.Scan(&g.name, &g.slug); err != nil {
			return err
		}
		w.loadGroups.Store(g.slug, g)
	}
	if err := left.Err(); err != nil {
		return err
	}

	if w.surnames, err = strs(`SELECT last_name FROM members GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 40`); err != nil {
		return err
	}
	if w.firstNames, err = strs(`SELECT first_name FROM members GROUP BY first_name ORDER BY count(*) DESC, first_name LIMIT 30`); err != nil {
		return err
	}
	cities, err := strs(`SELECT city FROM members WHERE city <> '' GROUP BY city ORDER BY count(*) DESC LIMIT 10`)
	if err != nil {
		return err
	}
	if w.cfSorts, err = strs(`SELECT 'cf_' || slug FROM custom_fields WHERE show_in_overview ORDER BY position`); err != nil {
		return err
	}
	frows, err := db.Query(ctx, `SELECT slug, value_type FROM custom_fields ORDER BY position`)
	if err != nil {
		return err
	}
	w.fields, err = pgx.CollectRows(frows, func(row pgx.CollectableRow) (fieldRef, error) {
		var f fieldRef
		err := row.Scan(&f.slug, &f.typ)
		return f, err
	})
	if err != nil {
		return err
	}
	if w.fieldIDs, err = strs(`SELECT id::text FROM custom_fields ORDER BY position`); err != nil {
		return err
	}
	if w.userIDs, err = strs(`SELECT id::text FROM users ORDER BY email`); err != nil {
		return err
	}
	if w.systemRoles, err = strs(`SELECT id::text FROM roles WHERE system_key IS NOT NULL ORDER BY name`); err != nil {
		return err
	}
	if w.customRoles, err = strs(`SELECT id::text FROM roles WHERE system_key IS NULL ORDER BY name`); err != nil {
		return err
	}
	w.searches = searchTerms(w, cities)
	return nil
}

// searchTerms are the overview searches besides the plain surnames: typos,
// prefixes, umlaut spellings, first and full names, group names, cities,
// email fragments, nonsense.
func searchTerms(w *world, cities []string) []string {
	var out []string
	for i, s := range w.surnames {
		r := []rune(s)
		if len(r) >= 4 {
			out = append(out, string(append(r[:len(r)/2:len(r)/2], r[len(r)/2+1:]...))) // a letter left out
			sw := append([]rune(nil), r...)
			sw[1], sw[2] = sw[2], sw[1] // two letters swapped
			out = append(out, string(sw))
		}
		if len(r) >= 3 {
			out = append(out, strings.ToLower(string(r[:2+i%3]))) // a prefix of 2 to 4 letters
		}
		if f := foldUmlauts(s); f != s {
			out = append(out, f, strings.ToLower(s))
		}
		out = append(out, pickString(w.firstNames, i)+" "+s)
	}
	for i := 0; i < len(w.groups); i += max(1, len(w.groups)/15) {
		out = append(out, w.groups[i].Name)
		out = append(out, strings.Fields(w.groups[i].Name)[0])
	}
	out = append(out, cities...)
	out = append(out, w.firstNames...)
	out = append(out, "example", "@", "mueller", "MÜLLER", "o'brien", "zzzzqx", "a", "  ", "\"", "-", "*", "%",
		"müller & schmidt", "Müller | Meier", "!schmidt", "schmidt:*", "(müller", "1", "2023", "ß", "strasse")
	return out
}

func pickString(s []string, i int) string {
	if len(s) == 0 {
		return ""
	}
	return s[i%len(s)]
}

// foldUmlauts spells ä, ö, ü, ß as ae, oe, ue, ss (as people type them).
func foldUmlauts(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue")
	return r.Replace(s)
}
