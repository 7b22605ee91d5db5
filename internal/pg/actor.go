package pg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Actor is who a transaction acts for, as the audit trail records it
// (migration 00016): a label ("Anna Admin <anna@example.org>", "CLI",
// "import batch 0190…") and, for a signed-in user, the user id.
type Actor struct {
	UserID string // "" unless a user
	Label  string
}

// Labels of actors that are not users.
const (
	ActorCLI     = "CLI"
	ActorSystem  = "system"
	ActorUnknown = "unknown"
)

// UserLabel is how the audit trail (and the request log) names a user:
// "Name <email>", or the email alone for a user without a name.
func UserLabel(name, email string) string {
	if name == "" {
		return email
	}
	return name + " <" + email + ">"
}

type actorKey struct{}

// WithActor returns a context whose transactions (InTx, Begin, Exec) are
// recorded in the audit trail as made by act. The web middleware, the CLI
// and the import worker set it once; store code never has to.
func WithActor(ctx context.Context, act Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, act)
}

// ActorFrom returns the actor set by WithActor, or the zero Actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// SetActor declares the context's actor for the rest of tx (SET LOCAL
// mila.actor / mila.actor_id). Without an actor nothing is set, and the
// audit triggers record "unknown" — a change is never dropped.
func SetActor(ctx context.Context, tx pgx.Tx) error {
	a := ActorFrom(ctx)
	if a.Label == "" && a.UserID == "" {
		return nil
	}
	label := a.Label
	if label == "" {
		label = ActorUnknown
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('mila.actor', $1, true), set_config('mila.actor_id', $2, true)`, label, a.UserID); err != nil {
		return fmt.Errorf("set the audit actor: %w", err)
	}
	return nil
}

// Begin opens a transaction with the context's actor declared (SetActor).
// Code that cannot use InTx (a long job holding a transaction open) uses
// it instead of db.Begin.
func Begin(ctx context.Context, db *pgxpool.Pool) (pgx.Tx, error) {
	return BeginTx(ctx, db, pgx.TxOptions{})
}

// BeginTx is Begin with transaction options.
func BeginTx(ctx context.Context, db *pgxpool.Pool, opts pgx.TxOptions) (pgx.Tx, error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	if opts.AccessMode == pgx.ReadOnly {
		return tx, nil
	}
	if err := SetActor(ctx, tx); err != nil {
		_ = tx.Rollback(ctx)
		return nil, err
	}
	return tx, nil
}

// Exec runs one writing statement in its own transaction with the
// context's actor declared: the replacement for db.Exec in store code.
func Exec(ctx context.Context, db *pgxpool.Pool, sql string, args ...any) (int64, error) {
	var n int64
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
