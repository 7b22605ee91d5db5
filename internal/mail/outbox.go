package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Message kinds (mail_outbox.kind).
const (
	KindAccount = "account" // invitations, password resets, notices
	KindMailing = "mailing"
	KindTest    = "test" // a mailing's test message to its author
)

// Message states (mail_outbox.state).
const (
	StateQueued    = "queued"
	StateSending   = "sending"
	StateSent      = "sent"
	StateFailed    = "failed"
	StateCancelled = "cancelled"
	StateUnknown   = "unknown"
)

// States lists every state in the order pages show them.
var States = []string{StateQueued, StateSending, StateSent, StateFailed, StateUnknown, StateCancelled}

// lockClass is the first key of the workers' advisory locks ("MAIL").
const lockClass = 0x4D41494C

// querier is what both a pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Outbox is the store of outgoing messages.
type Outbox struct {
	db *pgxpool.Pool
}

// NewOutbox returns the outbox on db.
func NewOutbox(db *pgxpool.Pool) *Outbox { return &Outbox{db: db} }

// Outgoing is a message to put in the outbox.
type Outgoing struct {
	Kind            string // KindAccount (default) or KindTest
	MailingID       string // KindTest and KindMailing
	MemberID        string // optional
	To, ToName      string
	Subject         string
	Text, HTML      string
	ReplyTo         string
	ListUnsubscribe string
	// NotSent records the message as cancelled with this reason instead
	// of queueing it (mail is not set up: the would-be message is kept
	// for /admin/outbox, and never sent later).
	NotSent string
}

// Enqueue adds one message (in q, which may be the caller's transaction)
// and returns its id.
func Enqueue(ctx context.Context, q querier, m Outgoing) (string, error) {
	if m.Kind == "" {
		m.Kind = KindAccount
	}
	state := StateQueued
	if m.NotSent != "" {
		state = StateCancelled
	}
	prio := 0
	if m.Kind == KindMailing {
		prio = 1
	}
	var id string
	err := q.QueryRow(ctx, `INSERT INTO mail_outbox (kind, mailing_id, member_id, to_address, to_name, subject,
		body_text, body_html, reply_to, list_unsubscribe, state, last_answer, priority)
		VALUES ($1, nullif($2, '')::uuid, nullif($3, '')::uuid, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		m.Kind, m.MailingID, m.MemberID, m.To, clipName(m.ToName), m.Subject, m.Text, m.HTML, m.ReplyTo, m.ListUnsubscribe,
		state, m.NotSent, prio).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("queue message: %w", err)
	}
	return id, nil
}

func clipName(s string) string {
	r := []rune(s)
	if len(r) > 300 {
		return string(r[:300])
	}
	return s
}

// Entry is one outbox row as pages show it.
type Entry struct {
	ID         string
	Kind       string
	MailingID  string
	MemberID   string
	To, ToName string
	Subject    string
	Text       string
	HTML       string
	State      string
	Attempts   int
	LastAnswer string
	CreatedAt  time.Time
	SentAt     *time.Time
	NextTry    time.Time
}

const entryColumns = `id, kind, coalesce(mailing_id::text, ''), coalesce(member_id::text, ''), to_address, to_name, subject,
	body_text, body_html, state, attempts, last_answer, created_at, sent_at, next_attempt_at`

func scanEntry(row pgx.Row) (Entry, error) {
	var e Entry
	err := row.Scan(&e.ID, &e.Kind, &e.MailingID, &e.MemberID, &e.To, &e.ToName, &e.Subject, &e.Text, &e.HTML,
		&e.State, &e.Attempts, &e.LastAnswer, &e.CreatedAt, &e.SentAt, &e.NextTry)
	return e, err
}

// claimed is a row a worker has marked 'sending'.
type claimed struct {
	Entry
	ReplyTo, ListUnsubscribe string
}

// claimResult is what claim found.
type claimResult struct {
	msg  *claimed
	wait time.Duration // nothing due (or a limit reached): look again after this
}

// claim marks the next due message 'sending' for worker and returns it.
// Account mail goes before mailings; a paused or cancelled mailing's
// messages are skipped. Under a transaction-level advisory lock the rate
// and daily limits are counted over every process's claims.
func (o *Outbox) claim(ctx context.Context, worker int32, rate, daily int) (claimResult, error) {
	var res claimResult
	tx, err := o.db.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("claim: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if rate > 0 || daily > 0 {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, lockClass); err != nil {
			return res, fmt.Errorf("claim: %w", err)
		}
		for _, lim := range []struct {
			n      int
			window string
		}{{rate, "1 minute"}, {daily, "24 hours"}} {
			if lim.n <= 0 {
				continue
			}
			// The n-th most recent claim in the window: while it is
			// inside, the limit is reached until it leaves.
			var until *time.Time
			err := tx.QueryRow(ctx, `SELECT claimed_at + $1::interval FROM mail_outbox
				WHERE claimed_at > now() - $1::interval ORDER BY claimed_at DESC OFFSET $2 LIMIT 1`,
				lim.window, lim.n-1).Scan(&until)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return res, fmt.Errorf("claim: count limit: %w", err)
			}
			if until != nil {
				if w := time.Until(*until); w > 0 {
					res.wait = w
					return res, nil
				}
			}
		}
	}
	var c claimed
	err = tx.QueryRow(ctx, `WITH c AS (
		  SELECT o.id FROM mail_outbox o
		   WHERE o.state = 'queued' AND o.next_attempt_at <= now()
		     AND (o.mailing_id IS NULL OR o.kind = 'test'
		          OR EXISTS (SELECT 1 FROM mailings m WHERE m.id = o.mailing_id AND m.state = 'sending'))
		   ORDER BY o.priority, o.next_attempt_at, o.id
		   LIMIT 1 FOR UPDATE OF o SKIP LOCKED)
		UPDATE mail_outbox o SET state = 'sending', worker_id = $1, attempts = o.attempts + 1,
		       claimed_at = now(), updated_at = now()
		  FROM c WHERE o.id = c.id
		RETURNING o.id, o.kind, coalesce(o.mailing_id::text, ''), coalesce(o.member_id::text, ''), o.to_address, o.to_name,
		       o.subject, o.body_text, o.body_html, o.state, o.attempts, o.last_answer, o.created_at, o.sent_at,
		       o.next_attempt_at, o.reply_to, o.list_unsubscribe`, worker).Scan(
		&c.ID, &c.Kind, &c.MailingID, &c.MemberID, &c.To, &c.ToName, &c.Subject, &c.Text, &c.HTML,
		&c.State, &c.Attempts, &c.LastAnswer, &c.CreatedAt, &c.SentAt, &c.NextTry, &c.ReplyTo, &c.ListUnsubscribe)
	if errors.Is(err, pgx.ErrNoRows) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("claim: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("claim: commit: %w", err)
	}
	res.msg = &c
	return res, nil
}

// attachments returns the files of a mailing.
func (o *Outbox) attachments(ctx context.Context, mailingID string) ([]Attachment, error) {
	if mailingID == "" {
		return nil, nil
	}
	rows, err := o.db.Query(ctx, `SELECT filename, content_type, data FROM mailing_attachments
		WHERE mailing_id = $1 ORDER BY id`, mailingID)
	if err != nil {
		return nil, fmt.Errorf("load attachments: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attachment, error) {
		var a Attachment
		err := r.Scan(&a.Filename, &a.ContentType, &a.Data)
		return a, err
	})
}

// finish records the outcome of a send. Only a row still 'sending' for
// this worker is changed. Account mail loses its body once sent: it may
// hold a one-time link, which the database should not keep in clear.
func (o *Outbox) finish(ctx context.Context, worker int32, id string, out Outcome, answer string, attempts int, b Backoff) error {
	var err error
	switch out {
	case Sent:
		_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET state = 'sent', worker_id = NULL, sent_at = now(),
			last_answer = $3, updated_at = now(),
			body_text = CASE WHEN kind = 'account' THEN '' ELSE body_text END,
			body_html = CASE WHEN kind = 'account' THEN '' ELSE body_html END
			WHERE id = $1 AND state = 'sending' AND worker_id = $2`, id, worker, answer)
	case Failed:
		_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET state = 'failed', worker_id = NULL, last_answer = $3, updated_at = now()
			WHERE id = $1 AND state = 'sending' AND worker_id = $2`, id, worker, answer)
	case Unknown:
		_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET state = 'unknown', worker_id = NULL, last_answer = $3, updated_at = now()
			WHERE id = $1 AND state = 'sending' AND worker_id = $2`, id, worker, answer)
	case Retry:
		if attempts >= b.MaxAttempts {
			_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET state = 'failed', worker_id = NULL, last_answer = $3, updated_at = now()
				WHERE id = $1 AND state = 'sending' AND worker_id = $2`, id, worker,
				clip(fmt.Sprintf("gave up after %d attempts; last: %s", attempts, answer)))
		} else {
			_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET state = 'queued', worker_id = NULL, last_answer = $3,
				next_attempt_at = now() + $4::interval, updated_at = now()
				WHERE id = $1 AND state = 'sending' AND worker_id = $2`, id, worker, answer,
				fmt.Sprintf("%d milliseconds", b.delay(attempts).Milliseconds()))
		}
	}
	if err != nil {
		return fmt.Errorf("record send outcome: %w", err)
	}
	return nil
}

// RecoverOrphans marks as 'unknown' every message left 'sending' by a
// worker that no longer holds its advisory lock (its process died, or
// lost its database connection). Such a message may have reached the
// server, so it is never sent again by itself. Returns how many.
func (o *Outbox) RecoverOrphans(ctx context.Context) (int64, error) {
	tag, err := o.db.Exec(ctx, `UPDATE mail_outbox SET state = 'unknown', worker_id = NULL, updated_at = now(),
		last_answer = CASE WHEN last_answer = '' THEN 'the sending process stopped while this message was being sent'
		                   ELSE last_answer END
		WHERE state = 'sending' AND worker_id NOT IN (
		  SELECT objid::bigint FROM pg_locks
		   WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::bigint::oid
		     AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`, lockClass)
	if err != nil {
		return 0, fmt.Errorf("recover interrupted sends: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Counts are a mailing's (or the whole outbox's) messages by state.
type Counts map[string]int

// Total is the number of messages.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Done is the number of messages that reached a final state.
func (c Counts) Done() int {
	return c[StateSent] + c[StateFailed] + c[StateUnknown] + c[StateCancelled]
}

// Backoff is how retries are spaced: First, doubling per attempt, at
// most Max; after MaxAttempts attempts the message fails.
type Backoff struct {
	First, Max  time.Duration
	MaxAttempts int
}

// DefaultBackoff: 1 min, 2, 4 ... up to 1 h; 8 attempts (about 4 hours).
var DefaultBackoff = Backoff{First: time.Minute, Max: time.Hour, MaxAttempts: 8}

func (b Backoff) delay(attempt int) time.Duration {
	d := b.First
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// ErrNotFound: no such message or mailing (or a malformed id).
var ErrNotFound = errors.New("mail: not found")

// OutboxPage is one page of the outbox, newest first.
type OutboxPage struct {
	Entries []Entry
	Counts  Counts
	Page    int
	Pages   int
}

// OutboxPerPage is the outbox page's size.
const OutboxPerPage = 50

// List returns a page of every outgoing message (admin only: account mail
// can hold one-time links until it is sent).
func (o *Outbox) List(ctx context.Context, actor authzActor, page int) (OutboxPage, error) {
	var p OutboxPage
	if err := requireOutbox(actor); err != nil {
		return p, err
	}
	c, err := counts(ctx, o.db, `true`)
	if err != nil {
		return p, err
	}
	p.Counts = c
	p.Pages = max(1, (c.Total()+OutboxPerPage-1)/OutboxPerPage)
	p.Page = min(max(page, 1), p.Pages)
	rows, err := o.db.Query(ctx, `SELECT `+entryColumns+` FROM mail_outbox ORDER BY created_at DESC, id DESC
		LIMIT $1 OFFSET $2`, OutboxPerPage, (p.Page-1)*OutboxPerPage)
	if err != nil {
		return p, fmt.Errorf("list outbox: %w", err)
	}
	p.Entries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
	if err != nil {
		return p, fmt.Errorf("list outbox: %w", err)
	}
	return p, nil
}

// counts counts messages by state under cond (a fixed SQL condition).
func counts(ctx context.Context, q querier, cond string, args ...any) (Counts, error) {
	rows, err := q.Query(ctx, `SELECT state, count(*) FROM mail_outbox WHERE `+cond+` GROUP BY state`, args...)
	if err != nil {
		return nil, fmt.Errorf("count messages: %w", err)
	}
	c := Counts{}
	var st string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&st, &n}, func() error { c[st] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("count messages: %w", err)
	}
	return c, nil
}
