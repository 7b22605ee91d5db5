package privacy_test

import (
	"testing"
	"time"

	"mila/internal/pg"
	"mila/internal/privacy"
	"mila/internal/testpg"
	"mila/internal/validate"
)

func TestRetention(t *testing.T) {
	db := testpg.New(t)
	svc := privacy.Service{DB: db}
	admin := eraseAdmin(t, db)
	ctx := pg.WithActor(ctxb, pg.Actor{UserID: admin.UserID, Label: admin.Email})
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	// Exits: long ago, exactly five years ago, four years ago, in the
	// future (never counts), none.
	if _, err := pg.Exec(ctx, db, `INSERT INTO members (first_name, last_name, join_date, exit_date) VALUES
		('Old', 'Exit', '1990-01-01', '2015-03-01'), ('Five', 'Years', '1990-01-01', '2021-12-03'),
		('Four', 'Years', '1990-01-01', '2022-06-01'), ('Future', 'Exit', '1990-01-01', '2099-01-01'),
		('Still', 'Member', '1990-01-01', NULL)`); err != nil {
		t.Fatal(err)
	}
	// Off by default: nobody is due.
	due, total, r, err := svc.Due(ctx, admin, today)
	if err != nil || total != 0 || len(due) != 0 || r.Years != 0 {
		t.Fatalf("default: %v %d %+v %v", due, total, r, err)
	}
	err = svc.SetRetention(ctx, admin, privacy.Retention{Years: 101, Mode: privacy.ModeAnonymise})
	if fe, ok := validate.As(err); !ok || !fe.Has("years") {
		t.Fatalf("101 years: %v", err)
	}
	if err := svc.SetRetention(ctx, admin, privacy.Retention{Years: 5, Mode: privacy.ModeAnonymise}); err != nil {
		t.Fatal(err)
	}
	var entity string
	if err := db.QueryRow(ctxb, `SELECT entity FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&entity); err != nil || entity != "settings" {
		t.Errorf("setting change not audited: %q %v", entity, err)
	}
	due, total, _, err = svc.Due(ctx, admin, today)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range due {
		names = append(names, d.Name)
	}
	if total != 2 || len(names) != 2 || names[0] != "Old Exit" || names[1] != "Five Years" {
		t.Fatalf("due: %v (%d)", names, total)
	}
	// Nothing without confirmation; a member not due is skipped even if listed.
	var future string
	_ = db.QueryRow(ctxb, `SELECT id FROM members WHERE first_name = 'Future'`).Scan(&future)
	if _, err := svc.ApplyRetention(ctx, admin, []string{due[0].ID}, false, today); err == nil {
		t.Fatal("applied without confirmation")
	}
	n, err := svc.ApplyRetention(ctx, admin, []string{due[0].ID, due[1].ID, future}, true, today)
	if err != nil || n != 2 {
		t.Fatalf("apply: %d %v", n, err)
	}
	if _, total, _, _ = svc.Due(ctx, admin, today); total != 0 {
		t.Errorf("%d still due after the batch", total)
	}
	var anon int
	_ = db.QueryRow(ctxb, `SELECT count(*) FROM members WHERE anonymised_at IS NOT NULL AND first_name = 'Anonym'`).Scan(&anon)
	if anon != 2 {
		t.Errorf("%d anonymised, want 2", anon)
	}
	if len(traces(t, db, "Old Exit", "Five Years")) > 0 {
		t.Error("names left after retention")
	}
	if len(traces(t, db, "Future")) == 0 {
		t.Error("the member with a future exit date was touched")
	}
}
