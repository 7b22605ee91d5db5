package mail

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Mailings is the store of mailings: one message per recipient, queued
// in the outbox in one transaction.
type Mailings struct {
	db      *pgxpool.Pool
	cfg     Config
	members *membership.Members // resolves overview views and saved lists
}

// NewMailings returns the mailings store on db; cfg says whether mail is
// set up (a mailing cannot be sent otherwise).
func NewMailings(db *pgxpool.Pool, cfg Config) *Mailings {
	return &Mailings{db: db, cfg: cfg, members: membership.NewMembers(db)}
}

// Limits of a mailing.
const (
	MaxSubject         = 300
	MaxBody            = 100_000
	MaxAttachmentBytes = 10 << 20 // all attachments together
	MaxAttachments     = 20
	MaxSelection       = 100_000 // members named one by one, or in one view
)

// Mailing states (mailings.state).
const (
	MailingSending   = "sending"
	MailingPaused    = "paused"
	MailingCancelled = "cancelled"
)

// Message ids of this package's validation errors (texts in
// internal/web/locales/mailings.*.json).
const (
	MsgUnknownPlaceholder = "ErrMailingUnknownPlaceholder"
	MsgNoRecipients       = "ErrMailingNoRecipients"
	MsgAttachmentsTooBig  = "ErrMailingAttachmentsTooBig"
	MsgBothKinds          = "ErrMailingBothKinds"
	MsgNotSetUp           = "ErrMailingNotSetUp"
)

// ErrNotSetUp: mail is not set up, so nothing can be sent.
var ErrNotSetUp = errors.New("mail: not set up")

// Draft is what the mailing form submits. Its recipients are the union
// of its groups, its views (the overview's current view, saved lists)
// and the members chosen one by one; views are resolved to their members
// whenever the draft is (Resolve, Preview, Create), so a form carries a
// view's query, never thousands of member ids.
type Draft struct {
	Subject       string
	Body          string // Markdown with {{placeholders}}
	Newsletter    bool   // opt-outs are skipped; List-Unsubscribe and an opt-out link are added
	ClubBusiness  bool   // e.g. an assembly invitation: goes to those who opted out too
	IncludeFormer bool   // former members are left out unless this is set
	Groups        []string
	MemberIDs     []string // members chosen one by one ("Write to selected")
	Overview      *View    // the overview's current view, nil for none
	Lists         []View   // saved lists (View.Name is the list's name)
	Attachments   []Attachment
	DraftID       string // the form's draft: its kept files (AddDraftFiles) go with the mailing
}

// View is a member overview view a mailing is written to: the overview's
// own query, as the overview reads it from its address.
type View struct {
	Query membership.MemberQuery
	URL   string // the overview's address ("/members?..."), kept with the mailing as its source
	Name  string // a saved list's name ("" for the overview)
}

// Source keys of a mailing (mailings.source, JSON): where its recipients
// came from, as its page shows it.
const (
	SourceGroups        = "groups"         // group slugs
	SourceGroupNames    = "group_names"    // their names when the mailing was queued
	SourceOverview      = "overview"       // the overview's address
	SourceOverviewGroup = "overview_group" // the name of the group that view was filtered by
	SourceLists         = "lists"          // saved lists' names
	SourceSelection     = "selection"      // how many members were chosen one by one
)

// Recipient is a member a mailing is for.
type Recipient struct {
	MemberID  string
	FirstName string
	LastName  string
	Email     string
	Former    bool
	OptedOut  bool
}

// Name is first and last name.
func (r Recipient) Name() string { return r.FirstName + " " + r.LastName }

// Recipients are the members a draft reaches and those it does not.
type Recipients struct {
	Send     []Recipient // one message each
	NoEmail  []Recipient // no address: listed, for letters
	OptedOut []Recipient // a newsletter skips them
	Former   int         // former members left out (IncludeFormer off)
}

// Placeholders returns every placeholder a mailing may use: the core
// ones and one per custom field.
func (s *Mailings) Placeholders(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT slug FROM custom_fields ORDER BY position, name`)
	if err != nil {
		return nil, fmt.Errorf("placeholders: %w", err)
	}
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("placeholders: %w", err)
	}
	out := slices.Clone(CorePlaceholders)
	for _, sl := range slugs {
		out = append(out, PlaceholderName(sl))
	}
	return out, nil
}

// check validates a draft's texts and flags (field errors "subject",
// "body", "kind", "attachments").
func (s *Mailings) check(ctx context.Context, d *Draft) error {
	d.Subject = validate.Clean(d.Subject)
	d.Body = strings.TrimSpace(strings.ReplaceAll(d.Body, "\r\n", "\n"))
	e := validate.Errors{}
	validate.Text(e, "subject", d.Subject, MaxSubject, true, false)
	validate.Text(e, "body", d.Body, MaxBody, true, true)
	if d.Newsletter && d.ClubBusiness {
		e.Add("kind", MsgBothKinds, nil)
	}
	known, err := s.Placeholders(ctx)
	if err != nil {
		return err
	}
	if u := UnknownPlaceholders(known, d.Subject); len(u) > 0 {
		e.Add("subject", MsgUnknownPlaceholder, map[string]any{"Names": "{{" + strings.Join(u, "}}, {{") + "}}"})
	}
	if u := UnknownPlaceholders(known, d.Body); len(u) > 0 {
		e.Add("body", MsgUnknownPlaceholder, map[string]any{"Names": "{{" + strings.Join(u, "}}, {{") + "}}"})
	}
	total := 0
	for _, a := range d.Attachments {
		total += len(a.Data)
	}
	if total > MaxAttachmentBytes || len(d.Attachments) > MaxAttachments {
		e.Add("attachments", MsgAttachmentsTooBig, map[string]any{"MB": MaxAttachmentBytes >> 20})
	}
	return e.Err()
}

func cleanIDs(ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !validate.UUID(id) {
			return nil, validate.Field("recipients", validate.NotFound, nil)
		}
		out = append(out, id)
	}
	if len(out) > MaxSelection {
		return nil, validate.Field("recipients", MsgNoRecipients, nil)
	}
	return out, nil
}

// Resolve finds the members a draft reaches: the members of its groups,
// of its views (as the actor sees them) and the members named one by
// one; former members only with IncludeFormer; without an address and
// (for a newsletter) opted out listed apart.
func (s *Mailings) Resolve(ctx context.Context, actor authz.Actor, d Draft) (Recipients, error) {
	if err := requireMailing(actor, authz.Read); err != nil {
		return Recipients{}, err
	}
	return s.resolve(ctx, s.db, actor, d)
}

// viewIDs are the members of the draft's views, each view in one
// statement (Members.ViewIDs: the overview's filters and search, all its
// pages, what the actor may read).
func (s *Mailings) viewIDs(ctx context.Context, actor authz.Actor, d Draft) ([]string, error) {
	var views []View
	if d.Overview != nil {
		views = append(views, *d.Overview)
	}
	views = append(views, d.Lists...)
	var out []string
	for _, v := range views {
		ids, err := s.members.ViewIDs(ctx, actor, v.Query, MaxSelection)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

func (s *Mailings) resolve(ctx context.Context, q querier, actor authz.Actor, d Draft) (Recipients, error) {
	var rs Recipients
	ids, err := cleanIDs(d.MemberIDs)
	if err != nil {
		return rs, err
	}
	viewIDs, err := s.viewIDs(ctx, actor, d)
	if err != nil {
		return rs, err
	}
	ids = append(ids, viewIDs...)
	groups := d.Groups
	if groups == nil {
		groups = []string{}
	}
	rows, err := q.Query(ctx, `SELECT m.id, m.first_name, m.last_name, coalesce(m.email::text, ''),
		       coalesce(m.exit_date <= current_date, false),
		       EXISTS (SELECT 1 FROM member_mail_optouts o WHERE o.member_id = m.id)
		  FROM members m
		 WHERE m.id IN (SELECT mg.member_id FROM member_groups mg JOIN groups g ON g.id = mg.group_id WHERE g.slug = ANY ($1))
		    OR m.id = ANY ($2::uuid[])
		 ORDER BY m.sort_name, m.id`, groups, ids)
	if err != nil {
		return rs, fmt.Errorf("resolve recipients: %w", err)
	}
	var r Recipient
	_, err = pgx.ForEachRow(rows, []any{&r.MemberID, &r.FirstName, &r.LastName, &r.Email, &r.Former, &r.OptedOut}, func() error {
		switch {
		case r.Former && !d.IncludeFormer:
			rs.Former++
		case r.Email == "":
			rs.NoEmail = append(rs.NoEmail, r)
		case r.OptedOut && d.Newsletter:
			rs.OptedOut = append(rs.OptedOut, r)
		default:
			rs.Send = append(rs.Send, r)
		}
		return nil
	})
	if err != nil {
		return rs, fmt.Errorf("resolve recipients: %w", err)
	}
	return rs, nil
}

// values loads the placeholder values of members.
func (s *Mailings) values(ctx context.Context, q querier, memberIDs []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(memberIDs))
	rows, err := q.Query(ctx, `SELECT m.id, m.first_name, m.last_name, coalesce(m.email::text, ''), m.street, m.house_number,
		       m.postal_code, m.city, m.country, to_char(m.join_date, 'YYYY-MM-DD'), coalesce(to_char(m.exit_date, 'YYYY-MM-DD'), '')
		  FROM members m WHERE m.id = ANY ($1::uuid[])`, memberIDs)
	if err != nil {
		return nil, fmt.Errorf("load placeholder values: %w", err)
	}
	var id string
	v := make([]string, len(CorePlaceholders))
	dest := []any{&id}
	for i := range v {
		dest = append(dest, &v[i])
	}
	_, err = pgx.ForEachRow(rows, dest, func() error {
		m := make(map[string]string, len(v)+4)
		for i, name := range CorePlaceholders {
			m[name] = v[i]
		}
		out[id] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load placeholder values: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT v.member_id, f.slug, v.value FROM custom_field_values v
		JOIN custom_fields f ON f.id = v.custom_field_id WHERE v.member_id = ANY ($1::uuid[])`, memberIDs)
	if err != nil {
		return nil, fmt.Errorf("load custom values: %w", err)
	}
	var slug, val string
	_, err = pgx.ForEachRow(rows, []any{&id, &slug, &val}, func() error {
		if m, ok := out[id]; ok {
			m[PlaceholderName(slug)] = val
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load custom values: %w", err)
	}
	return out, nil
}

// Preview renders a draft as one of its recipients would get it (a
// member of the recipients, or the first when memberID is "").
func (s *Mailings) Preview(ctx context.Context, actor authz.Actor, d Draft, memberID string) (Rendered, Recipient, error) {
	if err := requireMailing(actor, authz.Create); err != nil {
		return Rendered{}, Recipient{}, err
	}
	if err := s.check(ctx, &d); err != nil {
		return Rendered{}, Recipient{}, err
	}
	rs, err := s.resolve(ctx, s.db, actor, d)
	if err != nil {
		return Rendered{}, Recipient{}, err
	}
	all := append(append(slices.Clone(rs.Send), rs.OptedOut...), rs.NoEmail...)
	if len(all) == 0 {
		return Rendered{}, Recipient{}, validate.Field("recipients", MsgNoRecipients, nil)
	}
	who := all[0]
	if i := slices.IndexFunc(all, func(r Recipient) bool { return r.MemberID == memberID }); i >= 0 {
		who = all[i]
	}
	vals, err := s.values(ctx, s.db, []string{who.MemberID})
	if err != nil {
		return Rendered{}, Recipient{}, err
	}
	out, err := Render(d.Subject, d.Body, vals[who.MemberID])
	return out, who, err
}

// SendTest queues the draft, rendered as the chosen recipient, to the
// actor's own address (kind test; attachments are sent with the mailing).
func (s *Mailings) SendTest(ctx context.Context, actor authz.Actor, d Draft, memberID string) error {
	if !s.cfg.Enabled() {
		return ErrNotSetUp
	}
	out, _, err := s.Preview(ctx, actor, d, memberID)
	if err != nil {
		return err
	}
	_, err = Enqueue(ctx, s.db, Outgoing{Kind: KindTest, To: actor.Email, Subject: out.Subject,
		Text: out.Text, HTML: out.HTML, ReplyTo: actor.Email})
	return err
}

// UnsubscribeURL makes the opt-out link for a member: base (the site's
// address) + /unsubscribe?m=<id>&t=<HMAC of the id>.
type UnsubscribeURL func(memberID, token string) string

// Create stores a mailing and queues one message per recipient, in one
// transaction: either every message is in the outbox or none is.
// Returns the mailing's id.
func (s *Mailings) Create(ctx context.Context, actor authz.Actor, d Draft, unsubscribe UnsubscribeURL) (string, error) {
	if err := requireMailing(actor, authz.Create); err != nil {
		return "", err
	}
	if !s.cfg.Enabled() {
		return "", ErrNotSetUp
	}
	if err := s.check(ctx, &d); err != nil {
		return "", err
	}
	if _, err := mail.ParseAddress(actor.Email); err != nil {
		return "", fmt.Errorf("sender address %q: %w", actor.Email, err)
	}
	key, err := s.unsubscribeKey(ctx)
	if err != nil {
		return "", err
	}
	var id string
	err = pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		rs, err := s.resolve(ctx, tx, actor, d)
		if err != nil {
			return err
		}
		if len(rs.Send) == 0 {
			return validate.Field("recipients", MsgNoRecipients, nil)
		}
		src, err := s.source(ctx, tx, d)
		if err != nil {
			return err
		}
		src[SourceSelection] = len(d.MemberIDs)
		src["no_email"], src["opted_out"], src["former_left_out"] = len(rs.NoEmail), len(rs.OptedOut), rs.Former
		srcJSON, err := json.Marshal(src)
		if err != nil {
			return fmt.Errorf("create mailing: %w", err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO mailings (subject, body, newsletter, club_business, include_former, source, reply_to, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			d.Subject, d.Body, d.Newsletter, d.ClubBusiness, d.IncludeFormer, srcJSON, actor.Email, actor.UserID).Scan(&id); err != nil {
			return fmt.Errorf("create mailing: %w", err)
		}
		if err := moveDraftFiles(ctx, tx, actor, d, id); err != nil {
			return err
		}
		for _, a := range d.Attachments {
			if _, err := tx.Exec(ctx, `INSERT INTO mailing_attachments (mailing_id, filename, content_type, data) VALUES ($1, $2, $3, $4)`,
				id, a.Filename, a.ContentType, a.Data); err != nil {
				return fmt.Errorf("store attachment: %w", err)
			}
		}
		var skipped [][]any
		for _, r := range rs.NoEmail {
			skipped = append(skipped, []any{id, r.MemberID, "no_email"})
		}
		for _, r := range rs.OptedOut {
			skipped = append(skipped, []any{id, r.MemberID, "opted_out"})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"mailing_skipped"}, []string{"mailing_id", "member_id", "reason"}, pgx.CopyFromRows(skipped)); err != nil {
			return fmt.Errorf("record skipped recipients: %w", err)
		}
		ids := make([]string, len(rs.Send))
		for i, r := range rs.Send {
			ids[i] = r.MemberID
		}
		vals, err := s.values(ctx, tx, ids)
		if err != nil {
			return err
		}
		body := d.Body
		if d.Newsletter {
			body += "\n\n---\n\n" + unsubscribeLine(unsubscribeSentinel)
		}
		tpl, err := Compile(d.Subject, body)
		if err != nil {
			return err
		}
		rows := make([][]any, 0, len(rs.Send))
		for _, r := range rs.Send {
			out := tpl.Fill(vals[r.MemberID])
			unsub := ""
			if d.Newsletter {
				unsub = unsubscribe(r.MemberID, UnsubscribeToken(key, r.MemberID))
				out = out.withLink(unsub)
			}
			rows = append(rows, []any{KindMailing, id, r.MemberID, r.Email, clipName(r.Name()), out.Subject, out.Text, out.HTML,
				actor.Email, unsub, int16(1)})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"mail_outbox"}, []string{"kind", "mailing_id", "member_id", "to_address",
			"to_name", "subject", "body_text", "body_html", "reply_to", "list_unsubscribe", "priority"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("queue messages: %w", err)
		}
		return nil
	})
	return id, err
}

// source is where a draft's recipients come from, as the mailing keeps
// it (the Source* keys): the groups with their names as they are now,
// the overview's address with the name of the group it was filtered by,
// and the saved lists' names.
func (s *Mailings) source(ctx context.Context, q querier, d Draft) (map[string]any, error) {
	groups := d.Groups
	if groups == nil {
		groups = []string{}
	}
	var names []string
	if err := q.QueryRow(ctx, `SELECT coalesce(array_agg(name::text ORDER BY name), '{}') FROM groups WHERE slug = ANY ($1)`, groups).Scan(&names); err != nil {
		return nil, fmt.Errorf("mailing source: %w", err)
	}
	src := map[string]any{SourceGroups: groups, SourceGroupNames: names}
	if d.Overview != nil {
		src[SourceOverview] = d.Overview.URL
		if g := d.Overview.Query.Group; g != "" && g != membership.MemberGroupNone {
			var name string
			err := q.QueryRow(ctx, `SELECT name::text FROM groups WHERE slug = $1`, g).Scan(&name)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return nil, fmt.Errorf("mailing source: %w", err)
			}
			src[SourceOverviewGroup] = name
		}
	}
	lists := []string{}
	for _, l := range d.Lists {
		lists = append(lists, l.Name)
	}
	src[SourceLists] = lists
	return src, nil
}

// unsubscribeLine is the opt-out line at the end of a newsletter, in
// both languages (a mailing has no language of its own).
func unsubscribeLine(link string) string {
	return "No more newsletters? / Keine Rundschreiben mehr? " + link
}

// unsubscribeKey returns the HMAC key of opt-out links, made on first use.
func (s *Mailings) unsubscribeKey(ctx context.Context) ([]byte, error) {
	return UnsubscribeKey(ctx, s.db)
}

// UnsubscribeKey returns the HMAC key of opt-out links, made on first use
// and kept in the database, so every process signs alike.
func UnsubscribeKey(ctx context.Context, db *pgxpool.Pool) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key []byte
	err := db.QueryRow(ctx, `WITH ins AS (INSERT INTO mail_keys (name, key) VALUES ('unsubscribe', $1)
		ON CONFLICT (name) DO NOTHING RETURNING key)
		SELECT key FROM ins UNION ALL SELECT key FROM mail_keys WHERE name = 'unsubscribe' LIMIT 1`, fresh).Scan(&key)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe key: %w", err)
	}
	return key, nil
}

// UnsubscribeToken is the HMAC-SHA256 of a member id: the opt-out link
// works without signing in, and only for that member.
func UnsubscribeToken(key []byte, memberID string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("unsubscribe:" + memberID))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// ErrBadLink: an opt-out link that was not made by Mila.
var ErrBadLink = errors.New("mail: invalid opt-out link")

// OptOut records that a member wants no newsletters, if the token is the
// member's. The link is the authority: no actor.
func OptOut(ctx context.Context, db *pgxpool.Pool, memberID, token string) error {
	if !validate.UUID(memberID) || len(token) > 100 {
		return ErrBadLink
	}
	key, err := UnsubscribeKey(ctx, db)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(UnsubscribeToken(key, memberID)), []byte(token)) {
		return ErrBadLink
	}
	_, err = pg.Exec(ctx, db, `INSERT INTO member_mail_optouts (member_id) SELECT id FROM members WHERE id = $1
		ON CONFLICT (member_id) DO NOTHING`, memberID)
	if err != nil {
		return fmt.Errorf("opt out: %w", err)
	}
	return nil
}

// CheckOptOutLink reports whether the link is valid (for the page that
// asks to confirm; GET never changes anything, as mail scanners open links).
func CheckOptOutLink(ctx context.Context, db *pgxpool.Pool, memberID, token string) error {
	if !validate.UUID(memberID) || len(token) > 100 {
		return ErrBadLink
	}
	key, err := UnsubscribeKey(ctx, db)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(UnsubscribeToken(key, memberID)), []byte(token)) {
		return ErrBadLink
	}
	return nil
}

// Mailing is a mailing as its page shows it.
type Mailing struct {
	ID            string
	Subject       string
	Body          string
	Newsletter    bool
	ClubBusiness  bool
	IncludeFormer bool
	State         string
	ReplyTo       string
	CreatedAt     time.Time
	Counts        Counts
	Skipped       []Skipped
	Attachments   []AttachmentInfo
	Source        map[string]any
}

// Skipped is a member a mailing did not go to, and why.
type Skipped struct {
	MemberID string
	Name     string
	Reason   string // no_email or opted_out
}

// AttachmentInfo names a stored attachment.
type AttachmentInfo struct {
	Filename string
	Size     int
}

// Get returns a mailing with its counts, skipped members and attachments.
func (s *Mailings) Get(ctx context.Context, actor authz.Actor, id string) (Mailing, error) {
	var m Mailing
	if err := requireMailing(actor, authz.Read); err != nil {
		return m, err
	}
	if !validate.UUID(id) {
		return m, ErrNotFound
	}
	var src []byte
	err := s.db.QueryRow(ctx, `SELECT id, subject, body, newsletter, club_business, include_former, state, reply_to::text, created_at, source
		FROM mailings WHERE id = $1`, id).Scan(&m.ID, &m.Subject, &m.Body, &m.Newsletter, &m.ClubBusiness, &m.IncludeFormer,
		&m.State, &m.ReplyTo, &m.CreatedAt, &src)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("get mailing: %w", err)
	}
	_ = json.Unmarshal(src, &m.Source)
	if m.Counts, err = counts(ctx, s.db, `mailing_id = $1 AND kind = 'mailing'`, id); err != nil {
		return m, err
	}
	rows, err := s.db.Query(ctx, `SELECT s.member_id, m.first_name || ' ' || m.last_name, s.reason FROM mailing_skipped s
		JOIN members m ON m.id = s.member_id WHERE s.mailing_id = $1 ORDER BY s.reason, m.sort_name`, id)
	if err != nil {
		return m, fmt.Errorf("get mailing: %w", err)
	}
	if m.Skipped, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Skipped]); err != nil {
		return m, fmt.Errorf("get mailing: %w", err)
	}
	rows, err = s.db.Query(ctx, `SELECT filename, octet_length(data) FROM mailing_attachments WHERE mailing_id = $1 ORDER BY id`, id)
	if err != nil {
		return m, fmt.Errorf("get mailing: %w", err)
	}
	if m.Attachments, err = pgx.CollectRows(rows, pgx.RowToStructByPos[AttachmentInfo]); err != nil {
		return m, fmt.Errorf("get mailing: %w", err)
	}
	return m, nil
}

// Progress returns a mailing's state and counts (for the live progress).
func (s *Mailings) Progress(ctx context.Context, actor authz.Actor, id string) (string, Counts, error) {
	if err := requireMailing(actor, authz.Read); err != nil {
		return "", nil, err
	}
	if !validate.UUID(id) {
		return "", nil, ErrNotFound
	}
	var state string
	if err := s.db.QueryRow(ctx, `SELECT state FROM mailings WHERE id = $1`, id).Scan(&state); errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ErrNotFound
	} else if err != nil {
		return "", nil, fmt.Errorf("mailing progress: %w", err)
	}
	c, err := counts(ctx, s.db, `mailing_id = $1 AND kind = 'mailing'`, id)
	return state, c, err
}

// Messages returns a page of a mailing's messages (recipient, state, answer).
func (s *Mailings) Messages(ctx context.Context, actor authz.Actor, id, state string, limit, offset int) ([]Entry, error) {
	if err := requireMailing(actor, authz.Read); err != nil {
		return nil, err
	}
	if !validate.UUID(id) {
		return nil, ErrNotFound
	}
	cond := `mailing_id = $1 AND kind = 'mailing'`
	args := []any{id, limit, offset}
	if slices.Contains(States, state) {
		cond += ` AND state = $4`
		args = append(args, state)
	}
	rows, err := s.db.Query(ctx, `SELECT `+entryColumns+` FROM mail_outbox WHERE `+cond+` ORDER BY to_name, id LIMIT $2 OFFSET $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("mailing messages: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
}

// Summary is a mailing in the list.
type Summary struct {
	ID        string
	Subject   string
	State     string
	CreatedAt time.Time
	Total     int
	Sent      int
	Failed    int
}

// List returns the newest mailings with their counts.
func (s *Mailings) List(ctx context.Context, actor authz.Actor, limit int) ([]Summary, error) {
	if err := requireMailing(actor, authz.Read); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT m.id, m.subject, m.state, m.created_at,
		  (SELECT count(*) FROM mail_outbox o WHERE o.mailing_id = m.id AND o.kind = 'mailing'),
		  (SELECT count(*) FROM mail_outbox o WHERE o.mailing_id = m.id AND o.kind = 'mailing' AND o.state = 'sent'),
		  (SELECT count(*) FROM mail_outbox o WHERE o.mailing_id = m.id AND o.kind = 'mailing' AND o.state IN ('failed', 'unknown'))
		FROM mailings m ORDER BY m.created_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list mailings: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Summary])
}

// Pause holds a mailing's queued messages; Resume lets them go again.
// The message being sent at that moment still goes.
func (s *Mailings) Pause(ctx context.Context, actor authz.Actor, id string) error {
	return s.setState(ctx, actor, id, MailingPaused, MailingSending)
}

// Resume continues a paused mailing.
func (s *Mailings) Resume(ctx context.Context, actor authz.Actor, id string) error {
	return s.setState(ctx, actor, id, MailingSending, MailingPaused)
}

// Cancel stops a mailing for good: its queued messages are cancelled.
func (s *Mailings) Cancel(ctx context.Context, actor authz.Actor, id string) error {
	if err := s.setState(ctx, actor, id, MailingCancelled, MailingSending, MailingPaused); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `UPDATE mail_outbox SET state = 'cancelled', updated_at = now()
		WHERE mailing_id = $1 AND state = 'queued'`, id)
	if err != nil {
		return fmt.Errorf("cancel mailing: %w", err)
	}
	return nil
}

// ErrState: the mailing is not in a state that allows this.
var ErrState = errors.New("mail: not possible in the mailing's state")

func (s *Mailings) setState(ctx context.Context, actor authz.Actor, id, to string, from ...string) error {
	if err := requireMailing(actor, authz.Update); err != nil {
		return err
	}
	if !validate.UUID(id) {
		return ErrNotFound
	}
	n, err := pg.Exec(ctx, s.db, `UPDATE mailings SET state = $2, updated_at = now() WHERE id = $1 AND state = ANY ($3)`, id, to, from)
	if err != nil {
		return fmt.Errorf("mailing %s: %w", to, err)
	}
	if n == 0 {
		var exists bool
		if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mailings WHERE id = $1)`, id).Scan(&exists); err != nil {
			return fmt.Errorf("mailing %s: %w", to, err)
		}
		if !exists {
			return ErrNotFound
		}
		return ErrState
	}
	return nil
}

// Retry queues a mailing's failed messages again — or, when unknown is
// set, those whose fate is unknown (the admin has decided to risk a
// duplicate). Returns how many.
func (s *Mailings) Retry(ctx context.Context, actor authz.Actor, id string, unknown bool) (int64, error) {
	if err := requireMailing(actor, authz.Update); err != nil {
		return 0, err
	}
	if !validate.UUID(id) {
		return 0, ErrNotFound
	}
	states := []string{StateFailed}
	if unknown {
		states = []string{StateUnknown}
	}
	var n int64
	err := pg.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM mailings WHERE id = $1 FOR UPDATE`, id).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("retry: %w", err)
		}
		if state == MailingCancelled {
			return ErrState
		}
		tag, err := tx.Exec(ctx, `UPDATE mail_outbox SET state = 'queued', attempts = 0, next_attempt_at = now(), updated_at = now()
			WHERE mailing_id = $1 AND kind = 'mailing' AND state = ANY ($2)`, id, states)
		if err != nil {
			return fmt.Errorf("retry: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return n, err
}

// Received is a mailing a member was sent, for the member's page.
type Received struct {
	MailingID string
	Subject   string
	State     string
	CreatedAt time.Time
	SentAt    *time.Time
}

// ForMember lists the mailings a member was written to, newest first.
func (s *Mailings) ForMember(ctx context.Context, actor authz.Actor, memberID string) ([]Received, error) {
	if err := requireMailing(actor, authz.Read); err != nil {
		return nil, err
	}
	if !validate.UUID(memberID) {
		return nil, ErrNotFound
	}
	rows, err := s.db.Query(ctx, `SELECT o.mailing_id, m.subject, o.state, m.created_at, o.sent_at FROM mail_outbox o
		JOIN mailings m ON m.id = o.mailing_id WHERE o.member_id = $1 AND o.kind = 'mailing' ORDER BY m.created_at DESC LIMIT 100`, memberID)
	if err != nil {
		return nil, fmt.Errorf("member mailings: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Received])
}
