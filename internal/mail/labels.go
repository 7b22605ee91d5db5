package mail

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/validate"
)

// PostalAddress is a member's address for a letter.
type PostalAddress struct {
	Name, Street, HouseNumber, PostalCode, City, Country string
}

// requireAddresses: printing addresses needs the right to read mailings
// and every member.
func requireAddresses(actor authz.Actor) error {
	if err := requireMailing(actor, authz.Read); err != nil {
		return err
	}
	if actor.Scope(authz.Member, authz.Read) != authz.All {
		return fmt.Errorf("read addresses: %w", authz.ErrForbidden)
	}
	return nil
}

// Addresses returns the postal addresses of the members ids, by name.
func (s *Mailings) Addresses(ctx context.Context, actor authz.Actor, ids []string) ([]PostalAddress, error) {
	if err := requireAddresses(actor); err != nil {
		return nil, err
	}
	ids, err := cleanIDs(ids)
	if err != nil {
		return nil, err
	}
	return s.addresses(ctx, `SELECT first_name || ' ' || last_name, street, house_number, postal_code, city, country
		FROM members WHERE id = ANY ($1::uuid[]) ORDER BY sort_name, id`, ids)
}

// NoEmailAddresses returns the postal addresses of the members a mailing
// could not reach for want of an email address, by name.
func (s *Mailings) NoEmailAddresses(ctx context.Context, actor authz.Actor, mailingID string) ([]PostalAddress, error) {
	if err := requireAddresses(actor); err != nil {
		return nil, err
	}
	if !validate.UUID(mailingID) {
		return nil, ErrNotFound
	}
	var exists bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mailings WHERE id = $1)`, mailingID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("mailing labels: %w", err)
	}
	if !exists {
		return nil, ErrNotFound
	}
	return s.addresses(ctx, `SELECT m.first_name || ' ' || m.last_name, m.street, m.house_number, m.postal_code, m.city, m.country
		FROM mailing_skipped s JOIN members m ON m.id = s.member_id
		WHERE s.mailing_id = $1 AND s.reason = 'no_email' ORDER BY m.sort_name, m.id`, mailingID)
}

func (s *Mailings) addresses(ctx context.Context, sql string, arg any) ([]PostalAddress, error) {
	rows, err := s.db.Query(ctx, sql, arg)
	if err != nil {
		return nil, fmt.Errorf("addresses: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[PostalAddress])
	if err != nil {
		return nil, fmt.Errorf("addresses: %w", err)
	}
	return out, nil
}
