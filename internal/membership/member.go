package membership

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Members is the member register's store: every action on members, their
// custom field values and their link to a user. Like every store (Groups,
// CustomFields, accounts.Service) it is built once with its constructor
// and shared: it holds only the pool.
type Members struct{ db *pgxpool.Pool }

// NewMembers returns the member actions on db.
func NewMembers(db *pgxpool.Pool) *Members { return &Members{db: db} }

// Member is one member of the club, as shown on the detail page.
type Member struct {
	ID          string
	FirstName   string
	LastName    string
	Email       string // "" when the member has none
	Phone       string
	Street      string
	HouseNumber string
	PostalCode  string
	City        string
	Country     string
	JoinDate    time.Time  // a date (UTC midnight)
	ExitDate    *time.Time // nil while a member
	Notes       string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	GroupCount  int

	// Custom holds the member's custom field values by field slug, in the
	// canonical text form of their type (see CustomField.FormatValue).
	Custom map[string]string

	// The user linked to this member, if any.
	UserID    string
	UserEmail string
}

// Name is the member's display name, "First Last".
func (m Member) Name() string { return m.FirstName + " " + m.LastName }

// Active reports whether the member is a member on day (no exit date, or
// an exit date after day) — the same rule as the overview's status filter.
func (m Member) Active(day time.Time) bool { return activeOn(m.ExitDate, day) }

// activeOn is the rule of Member.Active and MemberRow.Active: a member
// until the exit date, which counts as passed on the day itself.
func activeOn(exit *time.Time, day time.Time) bool {
	return exit == nil || exit.After(dateOnly(day))
}

// MemberInput is what a member form submits: raw text, as typed. Create
// and Update trim, check and convert it, and report every problem as a
// field error keyed by the form field name (the column name).
type MemberInput struct {
	FirstName   string
	LastName    string
	Email       string
	Phone       string
	Street      string
	HouseNumber string
	PostalCode  string
	City        string
	Country     string
	JoinDate    string // YYYY-MM-DD; empty means today
	ExitDate    string // YYYY-MM-DD or empty
	Notes       string

	// WarnDuplicates (Create only): when the new member looks like one
	// already in the register, save nothing and answer
	// *PossibleDuplicates (member_family.go). The member form sets it
	// until the person says "save anyway"; an import has its own
	// matching and leaves it off.
	WarnDuplicates bool

	// Version is the version the edit started from (Update only); a save
	// against a newer version is refused with ErrConflict.
	Version int

	// Custom holds custom field values by slug, as typed (a checkbox sends
	// "true" or nothing). A field missing from the map counts as empty. On
	// Update a nil map leaves every custom value as it is.
	Custom map[string]string
}

// MemberFieldMax is the longest value of each member text field, in
// characters. The database checks the same limits; the web layer uses them
// for maxlength attributes.
var MemberFieldMax = map[string]int{
	"first_name":   100,
	"last_name":    100,
	"email":        254,
	"phone":        50,
	"street":       200,
	"house_number": 20,
	"postal_code":  20,
	"city":         100,
	"country":      100,
	"notes":        10000,
}

// Dates the database accepts (members' CHECK constraints).
var (
	MemberMinDate = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)
	MemberMaxDate = time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Member-specific message ids (texts in internal/web/locales/members.*.json).
const (
	ErrMemberExitBeforeJoin = "ErrMemberExitBeforeJoin" // exit date before join date
	ErrMemberUserEmailTaken = "ErrMemberUserEmailTaken" // linked: another user has this email
	ErrMemberLinkedNoEmail  = "ErrMemberLinkedNoEmail"  // linked: the email cannot be removed
	ErrMemberSignInEmail    = "ErrMemberSignInEmail"    // linked: the actor may not change the user's sign-in email
	ErrMemberEmailRefused   = "ErrMemberEmailRefused"   // taken, told to an actor who may not read every member
	ErrMemberEmailAskBoard  = "ErrMemberEmailAskBoard"  // too many refused addresses: ask the board
	ErrMemberFieldReadOnly  = "ErrMemberFieldReadOnly"  // a member may not change this field of their own record
	ErrMemberAlreadyLinked  = "ErrMemberAlreadyLinked"  // the member already has a user
	ErrMemberUserLinked     = "ErrMemberUserLinked"     // the user already has a member
	ErrMemberLinkNotesFull  = "ErrMemberLinkNotesFull"  // linking: no room in the notes for the previous email
)

// dateLayout is ISO 8601, the only format dates are stored and exchanged in.
const dateLayout = "2006-01-02"

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// memberValues is a checked MemberInput, ready for SQL.
type memberValues struct {
	firstName, lastName                    string
	email                                  *string
	phone, street, houseNumber, postalCode string
	city, country, notes                   string
	joinDate                               time.Time
	exitDate                               *time.Time
	custom                                 []customFieldWrite // nil: leave custom values alone
	customGiven                            bool
}

// parseMemberDate checks a date field. Empty is allowed (the caller decides).
func parseMemberDate(e validate.Errors, field, s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		e.Add(field, validate.BadDate, nil)
		return time.Time{}, false
	}
	if t.Before(MemberMinDate) || t.After(MemberMaxDate) {
		e.Add(field, validate.DateRange, map[string]any{"Min": MemberMinDate.Format(dateLayout), "Max": MemberMaxDate.Format(dateLayout)})
		return time.Time{}, false
	}
	return t, true
}

// check validates in against the rules that need no database; fields are
// the custom fields (for custom values). today is the default join date.
func (in MemberInput) check(fields []CustomField, today time.Time, withCustom bool) (memberValues, validate.Errors) {
	e := validate.Errors{}
	v := memberValues{
		firstName:   validate.Clean(in.FirstName),
		lastName:    validate.Clean(in.LastName),
		phone:       validate.Clean(in.Phone),
		street:      validate.Clean(in.Street),
		houseNumber: validate.Clean(in.HouseNumber),
		postalCode:  validate.Clean(in.PostalCode),
		city:        validate.Clean(in.City),
		country:     validate.Clean(in.Country),
		notes:       validate.Clean(in.Notes),
	}
	validate.Text(e, "first_name", v.firstName, MemberFieldMax["first_name"], true, false)
	validate.Text(e, "last_name", v.lastName, MemberFieldMax["last_name"], true, false)
	validate.Text(e, "phone", v.phone, MemberFieldMax["phone"], false, false)
	validate.Text(e, "street", v.street, MemberFieldMax["street"], false, false)
	validate.Text(e, "house_number", v.houseNumber, MemberFieldMax["house_number"], false, false)
	validate.Text(e, "postal_code", v.postalCode, MemberFieldMax["postal_code"], false, false)
	validate.Text(e, "city", v.city, MemberFieldMax["city"], false, false)
	validate.Text(e, "country", v.country, MemberFieldMax["country"], false, false)
	validate.Text(e, "notes", v.notes, MemberFieldMax["notes"], false, true)

	if email := validate.Clean(in.Email); email != "" {
		validate.Email(e, "email", email, false)
		v.email = &email
	}

	joinOK := true
	if s := validate.Clean(in.JoinDate); s == "" {
		v.joinDate = dateOnly(today)
	} else {
		v.joinDate, joinOK = parseMemberDate(e, "join_date", s)
	}
	if s := validate.Clean(in.ExitDate); s != "" {
		if t, ok := parseMemberDate(e, "exit_date", s); ok {
			v.exitDate = &t
			if joinOK && t.Before(v.joinDate) {
				e.Add("exit_date", ErrMemberExitBeforeJoin, nil)
			}
		}
	}

	if withCustom {
		v.customGiven = true
		v.custom = checkCustomValues(e, fields, in.Custom)
	}
	return v, e
}

// memberColumns is the column list read by scanMember, in order.
const memberColumns = `m.id, m.first_name, m.last_name, coalesce(m.email::text, ''), m.phone, m.street,
	m.house_number, m.postal_code, m.city, m.country, m.join_date, m.exit_date, m.notes, m.version,
	m.created_at, m.updated_at, k.group_count,
	coalesce(u.id::text, ''), coalesce(u.email::text, '')`

// scanMember reads memberColumns, then extra (columns selected after them).
func scanMember(row pgx.Row, extra ...any) (Member, error) {
	var m Member
	err := row.Scan(append([]any{&m.ID, &m.FirstName, &m.LastName, &m.Email, &m.Phone, &m.Street,
		&m.HouseNumber, &m.PostalCode, &m.City, &m.Country, &m.JoinDate, &m.ExitDate, &m.Notes, &m.Version,
		&m.CreatedAt, &m.UpdatedAt, &m.GroupCount, &m.UserID, &m.UserEmail}, extra...)...)
	return m, err
}

// Get returns the member with id and its custom values, or ErrNotFound if
// there is none or the actor may not read it.
func (s *Members) Get(ctx context.Context, actor authz.Actor, id string) (Member, error) {
	if err := actor.Require(authz.Member, authz.Read); err != nil {
		return Member{}, err
	}
	if !validate.UUID(id) || !actor.CanOnMember(authz.Member, authz.Read, id) {
		return Member{}, ErrNotFound
	}
	// The custom values come with the row, as two arrays in one order
	// (one statement for the member's page instead of two).
	custom, customJoin := `NULL::text[], NULL::text[]`, ``
	if actor.CanOnMember(authz.CustomFieldValue, authz.Read, id) {
		custom = `cv.slugs, cv.vals`
		customJoin = ` LEFT JOIN LATERAL (SELECT array_agg(f.slug ORDER BY f.slug) AS slugs, array_agg(v.value ORDER BY f.slug) AS vals
			FROM custom_field_values v JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = m.id) cv ON true`
	}
	var slugs, values []string
	m, err := scanMember(s.db.QueryRow(ctx, `SELECT `+memberColumns+`, `+custom+`
		FROM members m JOIN member_group_keys k ON k.member_id = m.id
		LEFT JOIN users u ON u.member_id = m.id`+customJoin+` WHERE m.id = $1`, id), &slugs, &values)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, ErrNotFound
	}
	if err != nil {
		return Member{}, fmt.Errorf("get member %s: %w", id, err)
	}
	if len(slugs) != len(values) {
		return Member{}, fmt.Errorf("get member %s: %d custom field slugs for %d values", id, len(slugs), len(values))
	}
	m.Custom = make(map[string]string, len(slugs))
	for i, slug := range slugs {
		m.Custom[slug] = values[i]
	}
	return m, nil
}

// Editable returns the member id as its edit form starts from, with the
// custom fields the form shows: ErrNotFound when the actor may not read
// the member, and also when they may read but not change it — to them
// there is no such form.
func (s *Members) Editable(ctx context.Context, actor authz.Actor, id string) (Member, []CustomField, error) {
	m, err := s.Get(ctx, actor, id)
	if err != nil {
		return Member{}, nil, err
	}
	if !actor.CanOnMember(authz.Member, authz.Update, m.ID) {
		return Member{}, nil, ErrNotFound
	}
	fields, err := NewCustomFields(s.db).Definitions(ctx, actor)
	if err != nil {
		return Member{}, nil, err
	}
	return m, fields, nil
}

// Create adds a member. Problems with the input come back as a
// *validate.Error keyed by form field name.
func (s *Members) Create(ctx context.Context, actor authz.Actor, in MemberInput) (Member, error) {
	if err := actor.Require(authz.Member, authz.Create); err != nil {
		return Member{}, err
	}
	withCustom := actor.Can(authz.CustomFieldValue, authz.Create)
	var id string
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		fields, err := customFieldsTx(ctx, tx)
		if err != nil {
			return err
		}
		v, e := in.check(fields, time.Now(), withCustom)
		if err := e.Err(); err != nil {
			return err
		}
		// Possible duplicates are named only to an actor who may read
		// every member (they are links to them).
		if in.WarnDuplicates && actor.Scope(authz.Member, authz.Read) == authz.All {
			dups, err := possibleDuplicates(ctx, tx, v, birthValue(fields, v))
			if err != nil {
				return err
			}
			if len(dups) > 0 {
				return &PossibleDuplicates{Members: dups}
			}
		}
		err = tx.QueryRow(ctx, `INSERT INTO members (first_name, last_name, email, phone, street,
			house_number, postal_code, city, country, join_date, exit_date, notes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			v.firstName, v.lastName, v.email, v.phone, v.street, v.houseNumber, v.postalCode,
			v.city, v.country, v.joinDate, v.exitDate, v.notes).Scan(&id)
		if err != nil {
			return memberWriteError(err)
		}
		return writeCustomValues(ctx, tx, id, v.custom)
	})
	if err != nil {
		return Member{}, err
	}
	return s.Get(ctx, actor, id)
}

// Update saves in over the member id. The save only happens when
// in.Version is still the member's version; otherwise someone else saved
// meanwhile and Update returns ErrConflict rather than overwrite their
// changes (a conflict message, not last-write-wins). A member linked to a
// user passes an email change on to the user's sign-in email, in the same
// transaction — if the actor may change that user (ErrMemberSignInEmail
// otherwise; see member_link.go).
//
// The checks come in this order, each only when the one before passed:
// the form itself, the version, then (for a linked member) whether the
// new address is free as a sign-in address. Another member may have the
// same address (a household; member_family.go). An address is never
// looked up for a form that would not be saved anyway, so a refusal says
// nothing about addresses unless the actor really tried to save one (see
// addressCheck for actors who may not read every member).
func (s *Members) Update(ctx context.Context, actor authz.Actor, id string, in MemberInput) (Member, error) {
	if err := actor.Require(authz.Member, authz.Update); err != nil {
		return Member{}, err
	}
	// A linked-scope actor (own_data) changing another member is refused
	// outright, without looking the id up: the answer is the same whether
	// it exists or not.
	if actor.Scope(authz.Member, authz.Update) == authz.Linked && id != actor.MemberID {
		return Member{}, fmt.Errorf("update member %s: not the linked member: %w", id, authz.ErrForbidden)
	}
	if !validate.UUID(id) || !actor.CanOnMember(authz.Member, authz.Update, id) {
		return Member{}, ErrNotFound
	}
	withCustom := in.Custom != nil && actor.CanOnMember(authz.CustomFieldValue, authz.Update, id)
	version := in.Version
	if version < 0 || version > math.MaxInt32 {
		// No stored version is this big (a forged form): it cannot match,
		// and must not reach the int4 column as an encoding error (a 500).
		version = -1
	}
	limited := addressCheckLimited(actor)
	selfEdit := actor.Scope(authz.Member, authz.Update) == authz.Linked
	var refused error // an address refusal that commits its record (limited actors)
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		refused = nil
		fields, err := customFieldsTx(ctx, tx)
		if err != nil {
			return err
		}
		// The member as stored, locked: the version check and the save
		// below see the same row.
		var cur storedMember
		err = tx.QueryRow(ctx, `SELECT version, email::text, join_date, exit_date, notes,
			coalesce((SELECT array_agg(f.slug ORDER BY f.slug) FROM custom_field_values cv JOIN custom_fields f ON f.id = cv.custom_field_id
			           WHERE cv.member_id = m.id AND $2), '{}'),
			coalesce((SELECT array_agg(cv.value ORDER BY f.slug) FROM custom_field_values cv JOIN custom_fields f ON f.id = cv.custom_field_id
			           WHERE cv.member_id = m.id AND $2), '{}')
			FROM members m WHERE id = $1 FOR NO KEY UPDATE`, id, selfEdit).
			Scan(&cur.version, &cur.email, &cur.joinDate, &cur.exitDate, &cur.notes, &cur.customSlugs, &cur.customValues)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("read member %s: %w", id, err)
		}
		curVersion, curEmail := cur.version, cur.email
		e := validate.Errors{}
		input, customFields := in, fields
		if selfEdit {
			input, customFields = keepClubFields(e, in, cur, fields)
		}
		v, checkErrs := input.check(customFields, time.Now(), withCustom)
		for f, m := range checkErrs {
			e.Add(f, m.ID, m.Data)
		}
		if err := e.Err(); err != nil {
			return err
		}
		if curVersion != version {
			return fmt.Errorf("update member %s from version %d (now %d): %w", id, in.Version, curVersion, ErrConflict)
		}
		emailChanged := !sameText(curEmail, v.email)
		if emailChanged && limited {
			if refused, err = addressCheck(ctx, tx, actor); refused != nil || err != nil {
				return err // refused: commit the refusal's record, nothing else
			}
		}
		// A linked user's sign-in email follows the member's (the trigger
		// members_sync_sign_in_email), but only for an actor who may
		// change that user: the trigger refuses otherwise.
		if err := declareSignInEmailRight(ctx, tx, actor); err != nil {
			return err
		}
		write := func(q pgx.Tx) error {
			_, err := q.Exec(ctx, `UPDATE members SET first_name = $2, last_name = $3, email = $4,
				phone = $5, street = $6, house_number = $7, postal_code = $8, city = $9, country = $10,
				join_date = $11, exit_date = $12, notes = $13, version = version + 1
				WHERE id = $1`,
				id, v.firstName, v.lastName, v.email, v.phone, v.street, v.houseNumber,
				v.postalCode, v.city, v.country, v.joinDate, v.exitDate, v.notes)
			return err
		}
		if emailChanged && limited {
			// The address was free when addressCheck looked; taken since
			// (a race) it is the same generic refusal, and it counts.
			if refused, err = writeAddressChecked(ctx, tx, actor, write); refused != nil || err != nil {
				return err
			}
		} else if err := write(tx); err != nil {
			return memberWriteError(err)
		}
		if v.customGiven {
			return writeCustomValues(ctx, tx, id, v.custom)
		}
		return nil
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return Member{}, err
	}
	return s.Get(ctx, actor, id)
}

// A member editing their own record (an actor whose Member.Update scope
// is Linked: own_data) may change their contact data — name, email,
// phone, address — and the custom fields marked MemberEditable. Join
// date, exit date, notes and the other custom fields are the club's:
// shown read-only on their form, and refused here even in a hand-made
// POST (ErrMemberFieldReadOnly next to the field), so the rule holds
// whatever the interface shows.

// storedMember is what Update reads of the member before checking.
type storedMember struct {
	version                   int
	email                     *string
	joinDate                  time.Time
	exitDate                  *time.Time
	notes                     string
	customSlugs, customValues []string // only for selfEdit
}

// keepClubFields returns in with the club's fields set to their stored
// values, and the custom fields the member may edit (to check and write;
// the others stay as stored). A club field sent with a value other than
// the stored one is an error: left out or unchanged, it is fine (a
// read-only input sends the stored value back, a disabled checkbox sends
// nothing).
func keepClubFields(e validate.Errors, in MemberInput, cur storedMember, fields []CustomField) (MemberInput, []CustomField) {
	readOnly := func(field, sent, stored string) {
		if sent = normalNewlines(validate.Clean(sent)); sent != "" && sent != normalNewlines(stored) {
			e.Add(field, ErrMemberFieldReadOnly, nil)
		}
	}
	stored := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(dateLayout)
	}
	readOnly("join_date", in.JoinDate, stored(&cur.joinDate))
	readOnly("exit_date", in.ExitDate, stored(cur.exitDate))
	readOnly("notes", in.Notes, cur.notes)
	in.JoinDate, in.ExitDate, in.Notes = stored(&cur.joinDate), stored(cur.exitDate), cur.notes

	values := map[string]string{}
	for i, slug := range cur.customSlugs {
		values[slug] = cur.customValues[i]
	}
	editable := make([]CustomField, 0, len(fields))
	custom := make(map[string]string, len(in.Custom))
	for _, f := range fields {
		if f.MemberEditable {
			editable = append(editable, f)
			custom[f.Slug] = in.Custom[f.Slug]
			continue
		}
		// Compare in canonical form ("on" is a ticked box like "true").
		if raw := validate.Clean(in.Custom[f.Slug]); raw != "" {
			if canon, ok := f.ParseValue(validate.Errors{}, raw); !ok || canon != values[f.Slug] {
				e.Add(f.FormName(), ErrMemberFieldReadOnly, nil)
			}
		}
	}
	if in.Custom != nil {
		in.Custom = custom
	}
	return in, editable
}

// normalNewlines makes CRLF (what browsers send from a textarea) and LF
// compare equal.
func normalNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// sameText reports whether two optional addresses are the same text.
// Only the case changing is a change too: the linked user's sign-in
// email is rewritten, so the same rules apply.
func sameText(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// memberWriteError turns constraint violations a race let through, and
// the refusals of the sign-in email trigger (migration 00008), into the
// field errors the form shows.
func memberWriteError(err error) error {
	switch {
	case pg.IsUniqueViolation(err, "users_email_key"):
		return validate.Field("email", ErrMemberUserEmailTaken, nil)
	case pg.Is(err, pg.CodeCheckViolation, "members_linked_email_required"):
		return validate.Field("email", ErrMemberLinkedNoEmail, nil)
	case pg.Is(err, pg.CodeInsufficientPrivilege, "users_sign_in_email_change"):
		return validate.Field("email", ErrMemberSignInEmail, nil)
	case pg.IsForeignKeyViolation(err, ""):
		return ErrNotFound
	case pg.Is(err, pg.CodeCheckViolation, "member_periods_end_after_start"),
		pg.Is(err, "23P01", "member_periods_no_overlap"):
		// A member with several periods: the join date moved past the
		// first period's end, or the exit date before the last's start.
		return validate.Field("join_date", ErrMemberDatesPeriods, nil)
	}
	return fmt.Errorf("write member: %w", err)
}

// MemberDeletion describes what deleting a member takes with it, for the
// confirmation dialog.
type MemberDeletion struct {
	Member           Member
	CustomValueCount int    // custom field values deleted with the member
	GroupCount       int    // group memberships deleted with the member
	LinkedUserEmail  string // a linked user stays but loses the link
}

// DeletionPreview returns what Delete would remove for member id.
func (s *Members) DeletionPreview(ctx context.Context, actor authz.Actor, id string) (MemberDeletion, error) {
	if err := actor.Require(authz.Member, authz.Destroy); err != nil {
		return MemberDeletion{}, err
	}
	if !validate.UUID(id) || !actor.CanOnMember(authz.Member, authz.Destroy, id) {
		return MemberDeletion{}, ErrNotFound
	}
	m, err := s.Get(ctx, actor, id)
	if err != nil {
		return MemberDeletion{}, err
	}
	return s.DeletionPreviewOf(ctx, actor, m)
}

// DeletionPreviewOf is DeletionPreview for a member the caller has just
// read with Get (the member's page, with its delete dialog): the record
// already holds its custom values and its trigger-kept group count. Only
// when the actor may not read the values did Get leave them out; then
// they are counted.
func (s *Members) DeletionPreviewOf(ctx context.Context, actor authz.Actor, m Member) (MemberDeletion, error) {
	if err := actor.Require(authz.Member, authz.Destroy); err != nil {
		return MemberDeletion{}, err
	}
	if !actor.CanOnMember(authz.Member, authz.Destroy, m.ID) {
		return MemberDeletion{}, ErrNotFound
	}
	d := MemberDeletion{Member: m, LinkedUserEmail: m.UserEmail, CustomValueCount: len(m.Custom), GroupCount: m.GroupCount}
	if !actor.CanOnMember(authz.CustomFieldValue, authz.Read, m.ID) {
		err := s.db.QueryRow(ctx, `SELECT count(*) FROM custom_field_values WHERE member_id = $1`, m.ID).Scan(&d.CustomValueCount)
		if err != nil {
			return MemberDeletion{}, fmt.Errorf("count what goes with member %s: %w", m.ID, err)
		}
	}
	return d, nil
}

// Delete removes the member with its custom values and group memberships
// (the foreign keys cascade); a linked user stays, unlinked.
func (s *Members) Delete(ctx context.Context, actor authz.Actor, id string) error {
	if err := actor.Require(authz.Member, authz.Destroy); err != nil {
		return err
	}
	if !validate.UUID(id) || !actor.CanOnMember(authz.Member, authz.Destroy, id) {
		return ErrNotFound
	}
	// The cascade to member_groups updates the groups' counts (trigger).
	// Lock those groups first, in id order as membership changes do
	// (membershipApply), so the two do not deadlock; should one still
	// happen (a membership added meanwhile), pg.InTx runs the delete again.
	var deleted int64
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM groups WHERE id IN (SELECT group_id FROM member_groups WHERE member_id = $1)
			ORDER BY id FOR NO KEY UPDATE`, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM members WHERE id = $1`, id)
		deleted = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete member %s: %w", id, err)
	}
	if deleted == 0 {
		return ErrNotFound
	}
	return nil
}

// MemberCount returns the number of members in the database, whatever the
// actor (for the demo loader and the home page; it reveals no member).
func MemberCount(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}
