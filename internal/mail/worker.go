package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Worker sends the outbox inside `mila serve`. Several workers (in one
// or many processes) may share one outbox: each claims one message at a
// time with FOR UPDATE SKIP LOCKED, so no message is claimed twice.
type Worker struct {
	DB     *pgxpool.Pool
	Log    *slog.Logger
	Config Config
	// Options of the Sender (timeouts, TLS for tests).
	Sender SenderOptions
	// Backoff spaces retries (zero: DefaultBackoff).
	Backoff Backoff
	// Poll is how often an idle worker looks for due messages (default 1 s).
	Poll time.Duration
	// Idle closes the SMTP connection after this long without a message
	// (default 30 s).
	Idle time.Duration
}

// Run sends until ctx ends. It returns at once when mail is not set up.
func (w *Worker) Run(ctx context.Context) {
	if !w.Config.Enabled() {
		return
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Backoff.MaxAttempts == 0 {
		w.Backoff = DefaultBackoff
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Idle <= 0 {
		w.Idle = 30 * time.Second
	}
	for ctx.Err() == nil {
		err := w.session(ctx)
		if ctx.Err() != nil {
			return
		}
		w.Log.Warn("mail worker: restarting after an error", "err", err)
		sleep(ctx, 5*time.Second)
	}
}

// session holds one worker identity: an id from mail_worker_seq and the
// advisory lock that says "this worker is alive" on a connection of its
// own. When that connection breaks, the lock is gone and the session ends.
func (w *Worker) session(ctx context.Context) error {
	conn, err := w.DB.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("mail worker: %w", err)
	}
	defer conn.Release()
	var id int32
	if err := conn.QueryRow(ctx, `SELECT nextval('mail_worker_seq')::int`).Scan(&id); err != nil {
		return fmt.Errorf("mail worker: new id: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, lockClass, id); err != nil {
		return fmt.Errorf("mail worker: lock: %w", err)
	}
	defer func() {
		// A broken connection loses the lock by itself; a healthy one is
		// unlocked before it goes back to the pool.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1, $2)`, lockClass, id); err != nil {
			conn.Conn().Close(uctx) //nolint:errcheck // the lock goes with the connection
		}
	}()

	ob := NewOutbox(w.DB)
	sender := NewSender(w.Config, w.Sender)
	defer sender.Close()
	if n, err := ob.RecoverOrphans(ctx); err != nil {
		return err
	} else if n > 0 {
		w.Log.Warn("mail: messages interrupted while sending are marked unknown and not resent", "count", n)
	}
	lastCheck := time.Now()
	for ctx.Err() == nil {
		if time.Since(lastCheck) > 10*time.Second {
			// Still ours? (A lost connection means a lost lock.)
			if err := conn.Ping(ctx); err != nil {
				return fmt.Errorf("mail worker: lock connection: %w", err)
			}
			if _, err := ob.RecoverOrphans(ctx); err != nil {
				return err
			}
			lastCheck = time.Now()
		}
		res, err := ob.claim(ctx, id, w.Config.Rate, w.Config.DailyLimit)
		if err != nil {
			return err
		}
		if res.msg == nil {
			sender.CloseIdle(w.Idle)
			wait := w.Poll
			if res.wait > 0 {
				wait = min(res.wait, 10*time.Second)
			}
			sleep(ctx, wait)
			continue
		}
		if err := w.sendOne(ctx, ob, sender, id, res.msg); err != nil {
			return err
		}
	}
	return nil
}

func (w *Worker) sendOne(ctx context.Context, ob *Outbox, sender *Sender, id int32, c *claimed) error {
	atts, err := ob.attachments(ctx, mailingOf(c))
	if err != nil {
		return err
	}
	out, answer := sender.Send(ctx, Message{
		ID: c.ID, To: c.To, ToName: c.ToName, Subject: c.Subject, Text: c.Text, HTML: c.HTML,
		ReplyTo: c.ReplyTo, ListUnsubscribe: c.ListUnsubscribe, Attachments: atts,
	})
	// The outcome is recorded even when ctx ended meanwhile: the message
	// is out of our hands either way.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := ob.finish(fctx, id, c.ID, out, answer, c.Attempts, w.Backoff); err != nil {
		// The row stays 'sending' and becomes 'unknown' once this
		// worker's lock is gone: never sent twice.
		return errors.Join(err, errors.New("message "+c.ID+" stays in doubt"))
	}
	if out != Sent {
		w.Log.Info("mail: not delivered", "id", c.ID, "outcome", out.String(), "attempt", c.Attempts, "answer", answer)
	}
	return nil
}

// mailingOf is the mailing whose attachments go with c: a mailing's
// messages and its test messages.
func mailingOf(c *claimed) string {
	if c.Kind == KindAccount {
		return ""
	}
	return c.MailingID
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
