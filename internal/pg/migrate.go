package pg

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations is the embedded directory of goose SQL migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // cannot happen: the directory is embedded at build time
	}
	return sub
}

// versionTable is goose's bookkeeping table (goose's default name).
const versionTable = "goose_db_version"

// Migrator runs the embedded migrations against one database.
type Migrator struct {
	p  *goose.Provider
	db *sql.DB
}

// NewMigrator prepares migrations on pool. A Postgres advisory lock is held
// while migrating, so several Mila processes starting against one database
// do not run the same migration twice.
func NewMigrator(pool *pgxpool.Pool) (*Migrator, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool) // closing db leaves the pool open
	p, err := goose.NewProvider(goose.DialectPostgres, db, Migrations(),
		goose.WithSessionLocker(locker), goose.WithTableName(versionTable))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrator{p: p, db: db}, nil
}

// Close releases the migrator's handle (not the pool).
func (m *Migrator) Close() error { return m.db.Close() }

// Up applies all pending migrations.
func (m *Migrator) Up(ctx context.Context) ([]*goose.MigrationResult, error) {
	res, err := m.p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate up: %w", err)
	}
	return res, nil
}

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context) (*goose.MigrationResult, error) {
	res, err := m.p.Down(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate down: %w", err)
	}
	return res, nil
}

// DownToZero rolls back every migration.
func (m *Migrator) DownToZero(ctx context.Context) ([]*goose.MigrationResult, error) {
	res, err := m.p.DownTo(ctx, 0)
	if err != nil {
		return res, fmt.Errorf("migrate down to zero: %w", err)
	}
	return res, nil
}

// Status lists every migration with whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	return st, nil
}

// Migrate applies all pending migrations and logs each one applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	m, err := NewMigrator(pool)
	if err != nil {
		return err
	}
	defer m.Close()
	res, err := m.Up(ctx)
	for _, r := range res {
		if r.Error == nil && log != nil {
			log.Info("migration applied", "file", r.Source.Path, "duration", r.Duration.Round(100_000))
		}
	}
	return err
}

// MigrationsCurrent returns nil when every embedded migration is applied.
// It reads the version table directly instead of building a goose provider,
// because /readyz calls it on every probe.
func MigrationsCurrent(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, "SELECT version_id FROM "+versionTable+" WHERE is_applied")
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			return errors.New("database has no migrations applied")
		}
		return fmt.Errorf("read migration versions: %w", err)
	}
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read migration versions: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
			return errors.New("database has no migrations applied")
		}
		return fmt.Errorf("read migration versions: %w", err)
	}
	var pending []string
	for _, v := range embeddedVersions() {
		if !applied[v.version] {
			pending = append(pending, v.name)
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("migrations pending: %s", strings.Join(pending, ", "))
	}
	return nil
}

type embeddedVersion struct {
	version int64
	name    string
}

func embeddedVersions() []embeddedVersion {
	entries, _ := fs.Glob(Migrations(), "*.sql")
	var out []embeddedVersion
	for _, e := range entries {
		v, err := goose.NumericComponent(path.Base(e))
		if err == nil {
			out = append(out, embeddedVersion{v, e})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}
