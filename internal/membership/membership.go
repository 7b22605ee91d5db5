// Package membership holds the member register: members, custom data
// fields and their values, groups and memberships. Each action takes the
// acting user (authz.Actor), checks the permission table beside its
// validation, and works in SQL written by hand against PostgreSQL.
package membership

import "errors"

// Sentinel errors, mapped to HTTP statuses in one place by the web layer.
var (
	// ErrNotFound: the record does not exist (or the actor may not see it —
	// an own_data user guessing ids learns nothing).
	ErrNotFound = errors.New("membership: not found")
	// ErrConflict: the record was changed by someone else meanwhile.
	ErrConflict = errors.New("membership: changed meanwhile")
)
