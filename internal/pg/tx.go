package pg

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLSTATE codes Mila reacts to.
const (
	CodeUniqueViolation      = "23505"
	CodeForeignKeyViolation  = "23503"
	CodeCheckViolation       = "23514"
	CodeSerializationFailure = "40001"
	CodeDeadlockDetected     = "40P01"
	CodeInvalidText          = "22P02"
	// CodeInsufficientPrivilege is raised by Mila's own triggers when a
	// transaction did not declare a right a side effect needs (migration
	// 00008: the sign-in email of a linked member's user).
	CodeInsufficientPrivilege = "42501"
)

// maxTxAttempts bounds InTx's retries of transient conflicts.
const maxTxAttempts = 5

// InTx runs fn in one transaction, with the context's actor declared
// for the audit trail (SetActor), and commits it, or rolls back when fn
// returns an error. A serialization failure or a deadlock (which
// PostgreSQL resolves by aborting one side) is retried a few times, so a
// race between two club volunteers never surfaces as an error page. fn
// must therefore be safe to run again.
func InTx(ctx context.Context, db *pgxpool.Pool, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = inTxOnce(ctx, db, fn)
		if err == nil || !IsRetryable(err) || ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("transaction still conflicting after %d attempts: %w", maxTxAttempts, err)
}

func inTxOnce(ctx context.Context, db *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := Begin(ctx, db)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Code returns the SQLSTATE of a PostgreSQL error in err's chain, or "".
func Code(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Constraint returns the constraint (or unique index) name of a
// PostgreSQL error in err's chain, or "".
func Constraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

// Detail returns the DETAIL of a PostgreSQL error in err's chain, or ""
// (Mila's triggers put the row's key there).
func Detail(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Detail
	}
	return ""
}

// IsUniqueViolation reports whether err is a unique violation, of the named
// constraint or index when constraint is not "".
func IsUniqueViolation(err error, constraint string) bool {
	return Code(err) == CodeUniqueViolation && (constraint == "" || Constraint(err) == constraint)
}

// IsForeignKeyViolation reports whether err is a foreign key violation, of
// the named constraint when constraint is not "".
func IsForeignKeyViolation(err error, constraint string) bool {
	return Code(err) == CodeForeignKeyViolation && (constraint == "" || Constraint(err) == constraint)
}

// Is reports whether err is a PostgreSQL error with the SQLSTATE code and,
// when constraint is not "", that constraint name (also set by Mila's
// triggers with RAISE ... USING CONSTRAINT).
func Is(err error, code, constraint string) bool {
	return Code(err) == code && (constraint == "" || Constraint(err) == constraint)
}

// IsRetryable reports whether err is a transient conflict worth retrying.
func IsRetryable(err error) bool {
	c := Code(err)
	return c == CodeSerializationFailure || c == CodeDeadlockDetected
}
