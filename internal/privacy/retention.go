package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Retention is the rule "former members are erased or anonymised Years
// years after their exit"; Years 0 means off (the default).
type Retention struct {
	Years int    `json:"years"`
	Mode  string `json:"mode"` // ModeAnonymise or ModeDelete
}

// RetentionMaxYears bounds the setting.
const RetentionMaxYears = 100

// Message ids of retention problems.
const (
	MsgRetentionYears   = "ErrRetentionYears"
	MsgRetentionConfirm = "ErrRetentionConfirm"
	MsgRetentionNone    = "ErrRetentionNone"
)

// GetRetention returns the rule (admins).
func (s Service) GetRetention(ctx context.Context, actor authz.Actor) (Retention, error) {
	if err := actor.Require(authz.Audit, authz.Read); err != nil {
		return Retention{}, err
	}
	r := Retention{Mode: ModeAnonymise}
	var raw []byte
	err := s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'retention'`).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("retention setting: %w", err)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("retention setting: %w", err)
	}
	return r, nil
}

// SetRetention saves the rule (admins); the change is audited.
func (s Service) SetRetention(ctx context.Context, actor authz.Actor, r Retention) error {
	if err := actor.Require(authz.Audit, authz.Update); err != nil {
		return err
	}
	errs := validate.Errors{}
	if r.Years < 0 || r.Years > RetentionMaxYears {
		errs.Add("years", MsgRetentionYears, map[string]any{"Max": RetentionMaxYears})
	}
	if r.Mode != ModeAnonymise && r.Mode != ModeDelete {
		errs.Add("mode", MsgMode, nil)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	_, err := pg.Exec(ctx, s.DB, `INSERT INTO settings (key, value) VALUES ('retention', $1)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, b)
	if err != nil {
		return fmt.Errorf("save retention setting: %w", err)
	}
	return nil
}

// DueMember is a former member the rule applies to.
type DueMember struct {
	ID, Name string
	ExitDate time.Time
}

// DueLimit bounds one confirmed batch.
const DueLimit = 200

// dueSQL: former members whose exit is at least years before today —
// an exit date in the future never counts — and who are not anonymised
// already.
const dueSQL = `FROM members m WHERE m.exit_date IS NOT NULL AND m.exit_date <= $1::date
	AND m.exit_date <= ($1::date - make_interval(years => $2))::date AND m.anonymised_at IS NULL`

// Due lists up to DueLimit members due under the rule on today, oldest
// exit first, and how many are due in all. With the rule off, none.
func (s Service) Due(ctx context.Context, actor authz.Actor, today time.Time) ([]DueMember, int, Retention, error) {
	r, err := s.GetRetention(ctx, actor)
	if err != nil || r.Years == 0 {
		return nil, 0, r, err
	}
	day := today.Format(time.DateOnly)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) `+dueSQL, day, r.Years).Scan(&total); err != nil {
		return nil, 0, r, fmt.Errorf("retention: %w", err)
	}
	rows, err := s.DB.Query(ctx, `SELECT m.id::text, m.first_name || ' ' || m.last_name, m.exit_date `+dueSQL+`
		ORDER BY m.exit_date, m.id LIMIT `+fmt.Sprint(DueLimit), day, r.Years)
	if err != nil {
		return nil, 0, r, fmt.Errorf("retention: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (DueMember, error) {
		var m DueMember
		return m, row.Scan(&m.ID, &m.Name, &m.ExitDate)
	})
	return ms, total, r, err
}

// ApplyRetention erases (by the rule's mode) the listed members that are
// still due on today — an admin confirmed exactly this list. Members no
// longer due (changed meanwhile) are skipped. It returns how many were
// erased. Each member is its own transaction, so a long batch never holds
// locks for long; every erasure is audited like one from the dialog.
func (s Service) ApplyRetention(ctx context.Context, actor authz.Actor, ids []string, confirmed bool, today time.Time) (int, error) {
	if !CanErase(actor) {
		return 0, authz.ErrForbidden
	}
	if !confirmed {
		return 0, validate.Field("confirm", MsgRetentionConfirm, nil)
	}
	if len(ids) == 0 || len(ids) > DueLimit {
		return 0, validate.Field("confirm", MsgRetentionNone, nil)
	}
	r, err := s.GetRetention(ctx, actor)
	if err != nil {
		return 0, err
	}
	if r.Years == 0 {
		return 0, validate.Field("confirm", MsgRetentionNone, nil)
	}
	n := 0
	for _, id := range ids {
		if !validate.UUID(id) {
			continue
		}
		err := pg.InTx(ctx, s.DB, func(tx pgx.Tx) error {
			var name, userID string
			err := tx.QueryRow(ctx, `SELECT m.first_name || ' ' || m.last_name, coalesce(u.id::text, '')
				FROM members m LEFT JOIN users u ON u.member_id = m.id `+dueSQL[len("FROM members m "):]+` AND m.id = $3 FOR UPDATE OF m`,
				today.Format(time.DateOnly), r.Years, id).Scan(&name, &userID)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && userID != "" && userID == actor.UserID) {
				return errSkip
			}
			if err != nil {
				return err
			}
			return eraseTx(ctx, tx, id, r.Mode, name, userID)
		})
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("retention: %w", err)
		}
		n++
	}
	return n, nil
}

var errSkip = errors.New("skip")
