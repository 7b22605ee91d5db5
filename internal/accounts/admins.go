package accounts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// adminLockKey names the transaction-level advisory lock that serialises
// every change which could reduce the number of active admins.
const adminLockKey int64 = 0x6d696c612d61646d // "mila-adm"

// guardAdmins runs change inside tx under the admin lock and refuses it
// (ErrLastAdmin, so the caller's transaction rolls back) when it would
// take the count of admins who can sign in from at least one to zero.
//
// Only an active admin with a password counts: a new admin whose
// set-password link is still unused, or a deactivated one, cannot sign
// in to undo anything. Counting them let every real admin demote
// themselves, leaving nobody to administer the club.
//
// Why a lock and not just a check: two admins demoting each other at the
// same moment would each see the other still an admin and both succeed.
// Under the lock the second transaction waits for the first to commit;
// in READ COMMITTED its count (a new statement, so a new snapshot) then
// sees the first change and refuses.
func guardAdmins(ctx context.Context, tx pgx.Tx, change func() error) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, adminLockKey); err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	before, err := countAdmins(ctx, tx)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, err := countAdmins(ctx, tx)
	if err != nil {
		return err
	}
	if before > 0 && after == 0 {
		return ErrLastAdmin
	}
	return nil
}

func countAdmins(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM users u JOIN roles r ON r.id = u.role_id
		WHERE r.permission_set = 'admin' AND u.active AND u.password_hash IS NOT NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}
