package membership

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Whether an email address is free tells who else is in the register.
// An actor who may read every member learns nothing new from it; an
// actor who may read only their own record (own_data) could test any
// address by saving their own form with it — before, even with an empty
// first name, ~350 tries a second. For them:
//
//   - the address is checked only once the rest of the form is valid
//     and the version matches (Members.Update);
//   - a taken address — another user signs in with it — gets one wording,
//     ErrMemberEmailRefused ("This address cannot be used");
//   - each such refusal is recorded (member_email_refusals); after
//     AddressRefusalLimit of them within AddressRefusalWindow every new
//     address is refused without looking (ErrMemberEmailAskBoard: ask
//     the board to change it).
const (
	AddressRefusalLimit  = 10
	AddressRefusalWindow = time.Hour
)

// addressCheckLimited reports whether actor gets the generic, counted
// answer about taken addresses: anyone who may not read every member.
func addressCheckLimited(actor authz.Actor) bool {
	return actor.Scope(authz.Member, authz.Read) != authz.All
}

// addressCheck serialises the actor's address checks (an advisory lock
// for the rest of the transaction, so parallel tries are counted one
// after the other) and returns ErrMemberEmailAskBoard as refused when
// the actor has used up their refusals.
func addressCheck(ctx context.Context, tx pgx.Tx, actor authz.Actor) (refused, err error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('member email refusals ' || $1, 0))`, actor.UserID); err != nil {
		return nil, fmt.Errorf("lock address refusals: %w", err)
	}
	var n int
	err = tx.QueryRow(ctx, `SELECT count(*) FROM member_email_refusals
		WHERE user_id = $1 AND refused_at > now() - $2::interval`,
		actor.UserID, fmt.Sprintf("%d seconds", int(AddressRefusalWindow.Seconds()))).Scan(&n)
	if err != nil {
		return nil, fmt.Errorf("count address refusals: %w", err)
	}
	if n >= AddressRefusalLimit {
		return validate.Field("email", ErrMemberEmailAskBoard, nil), nil
	}
	return nil, nil
}

// writeAddressChecked runs write (the member's UPDATE with a new email)
// in a savepoint. A unique violation — another user
// has the address — rolls the savepoint back, records the refusal in the
// transaction (which the caller then commits) and returns the generic
// ErrMemberEmailRefused as refused. (Another member with the address is
// no refusal: members may share one, migration 00026.) Other errors are the usual field
// errors or failures.
func writeAddressChecked(ctx context.Context, tx pgx.Tx, actor authz.Actor, write func(pgx.Tx) error) (refused, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	werr := write(sp)
	if werr == nil {
		return nil, sp.Commit(ctx)
	}
	if rerr := sp.Rollback(ctx); rerr != nil {
		return nil, fmt.Errorf("roll back to savepoint: %w", rerr)
	}
	if !pg.IsUniqueViolation(werr, "users_email_key") {
		return nil, memberWriteError(werr)
	}
	_, err = tx.Exec(ctx, `WITH gone AS (
		  DELETE FROM member_email_refusals WHERE user_id = $1 AND refused_at <= now() - $2::interval)
		INSERT INTO member_email_refusals (user_id) VALUES ($1)`,
		actor.UserID, fmt.Sprintf("%d seconds", int(AddressRefusalWindow.Seconds())))
	if err != nil {
		return nil, fmt.Errorf("record address refusal: %w", err)
	}
	return validate.Field("email", ErrMemberEmailRefused, nil), nil
}
