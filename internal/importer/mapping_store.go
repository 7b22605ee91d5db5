package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// SavedMapping is a mapping kept under a name, with the options it was
// used with, for the next file of the same shape.
type SavedMapping struct {
	Name    string  `json:"-"`
	Mapping Mapping `json:"mapping"`
	Options Options `json:"options"`
}

// SaveMapping stores m and o under name, replacing a mapping of that
// name (names ignore case).
func (im Importer) SaveMapping(ctx context.Context, actor authz.Actor, name string, m Mapping, o Options) error {
	if err := actor.Require(authz.Import, authz.Create); err != nil {
		return err
	}
	name = validate.Clean(name)
	e := validate.Errors{}
	validate.Text(e, "name", name, 100, true, false)
	if len(e) > 0 || utf8.RuneCountInString(name) > 100 {
		return newErr(MsgMappingName, nil)
	}
	spec, err := json.Marshal(SavedMapping{Mapping: m, Options: o})
	if err != nil {
		return err
	}
	_, err = pg.Exec(ctx, im.DB, `INSERT INTO import_mappings (name, spec, created_by) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec`, name, spec, actorID(actor))
	if err != nil {
		return fmt.Errorf("save import mapping %q: %w", name, err)
	}
	return nil
}

// Mappings lists the saved mappings by name.
func (im Importer) Mappings(ctx context.Context, actor authz.Actor) ([]SavedMapping, error) {
	if err := actor.Require(authz.Import, authz.Read); err != nil {
		return nil, err
	}
	rows, err := im.DB.Query(ctx, `SELECT name::text, spec FROM import_mappings ORDER BY lower(name::text)`)
	if err != nil {
		return nil, fmt.Errorf("list import mappings: %w", err)
	}
	var out []SavedMapping
	var name string
	var spec []byte
	_, err = pgx.ForEachRow(rows, []any{&name, &spec}, func() error {
		var s SavedMapping
		if err := json.Unmarshal(spec, &s); err != nil {
			return err
		}
		s.Name = name
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list import mappings: %w", err)
	}
	return out, nil
}

// MappingNamed returns the saved mapping called name (ignoring case).
func (im Importer) MappingNamed(ctx context.Context, actor authz.Actor, name string) (SavedMapping, error) {
	if err := actor.Require(authz.Import, authz.Read); err != nil {
		return SavedMapping{}, err
	}
	var s SavedMapping
	var spec []byte
	err := im.DB.QueryRow(ctx, `SELECT name::text, spec FROM import_mappings WHERE name = $1`, validate.Clean(name)).Scan(&s.Name, &spec)
	if errors.Is(err, pgx.ErrNoRows) {
		return SavedMapping{}, newErr(MsgNotFound, nil)
	}
	if err != nil {
		return SavedMapping{}, fmt.Errorf("get import mapping %q: %w", name, err)
	}
	if err := json.Unmarshal(spec, &s); err != nil {
		return SavedMapping{}, err
	}
	return s, nil
}

// DeleteMapping removes the saved mapping called name.
func (im Importer) DeleteMapping(ctx context.Context, actor authz.Actor, name string) error {
	if err := actor.Require(authz.Import, authz.Destroy); err != nil {
		return err
	}
	n, err := pg.Exec(ctx, im.DB, `DELETE FROM import_mappings WHERE name = $1`, validate.Clean(name))
	if err != nil {
		return fmt.Errorf("delete import mapping %q: %w", name, err)
	}
	if n == 0 {
		return newErr(MsgNotFound, nil)
	}
	return nil
}
