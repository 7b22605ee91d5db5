package membership

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/validate"
)

// Families share an email address (migration 00026): two members may
// have the same one, so the member form does not refuse it but names the
// others ("also used by Anna Müller"), and creating a member that looks
// like one already in the register (same first and last name, folded as
// search folds them, with the same birth date or the same email) asks
// first. A user's sign-in address stays unique (users_email_key).

// MemberRef names a member for a link: id and "First Last".
type MemberRef struct {
	ID, FirstName, LastName string
}

// Name is "First Last".
func (m MemberRef) Name() string { return m.FirstName + " " + m.LastName }

// sharedEmailLimit is how many other members the form names at most.
const sharedEmailLimit = 10

// SharedEmail returns the other members (not exceptID) with email,
// ignoring case, that actor may read — by name; at most ten. An actor
// who may read only their own record learns nothing about others.
func (s *Members) SharedEmail(ctx context.Context, actor authz.Actor, email, exceptID string) ([]MemberRef, error) {
	email = validate.Clean(email)
	if email == "" || actor.Scope(authz.Member, authz.Read) != authz.All {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT id, first_name, last_name FROM members
		WHERE email = $1 AND id::text <> $2 ORDER BY sort_name, id LIMIT $3`, email, exceptID, sharedEmailLimit)
	if err != nil {
		return nil, fmt.Errorf("members sharing an email: %w", err)
	}
	return collectRefs(rows)
}

func collectRefs(rows pgx.Rows) ([]MemberRef, error) {
	refs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (MemberRef, error) {
		var m MemberRef
		err := row.Scan(&m.ID, &m.FirstName, &m.LastName)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	return refs, nil
}

// PossibleDuplicates is Create's answer when the new member looks like
// members already in the register and the input asked for the warning
// (MemberInput.WarnDuplicates): nothing was saved.
type PossibleDuplicates struct {
	Members []MemberRef
}

func (d *PossibleDuplicates) Error() string {
	return fmt.Sprintf("%d possible duplicates", len(d.Members))
}

// AsPossibleDuplicates returns the duplicates in err, if that is what it is.
func AsPossibleDuplicates(err error) (*PossibleDuplicates, bool) {
	var d *PossibleDuplicates
	ok := errors.As(err, &d)
	return d, ok
}

// duplicateLimit is how many possible duplicates the warning names at most.
const duplicateLimit = 10

// possibleDuplicates finds the members with the same first and last name
// as v (case, accents and ß folded by search_key; found through the
// sort_name index, which is the same fold of "Last First") and either the same email or the same value in the
// custom field marked as birth date. birth is that value in canonical
// form ("" for none).
func possibleDuplicates(ctx context.Context, tx pgx.Tx, v memberValues, birth string) ([]MemberRef, error) {
	email := ""
	if v.email != nil {
		email = *v.email
	}
	if email == "" && birth == "" {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT m.id, m.first_name, m.last_name FROM members m
		WHERE m.sort_name = search_key($1 || ' ' || $2)
		  AND search_key(m.last_name) = search_key($1) AND search_key(m.first_name) = search_key($2)
		  AND (($3 <> '' AND m.email = $3::citext)
		    OR ($4 <> '' AND EXISTS (SELECT 1 FROM custom_field_values cv JOIN custom_fields f ON f.id = cv.custom_field_id
		                             WHERE f.birth_date AND cv.member_id = m.id AND cv.value = $4)))
		ORDER BY m.sort_name, m.id LIMIT $5`, v.lastName, v.firstName, email, birth, duplicateLimit)
	if err != nil {
		return nil, fmt.Errorf("look for duplicates: %w", err)
	}
	return collectRefs(rows)
}

// birthValue is the canonical value v gives the birth-date field, if one
// is marked and given.
func birthValue(fields []CustomField, v memberValues) string {
	for _, f := range fields {
		if !f.BirthDate {
			continue
		}
		for _, w := range v.custom {
			if w.fieldID == f.ID {
				return w.value
			}
		}
	}
	return ""
}
