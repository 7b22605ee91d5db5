package mail_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/validate"
)

// TestDraftFilesAreKeptLimitedOwnedAndMoved: files uploaded on the form
// stay with the draft, the 10 MB hold for all of them together, another
// user sees and removes none of them, and sending moves them to the
// mailing (the draft is empty afterwards).
func TestDraftFilesAreKeptLimitedOwnedAndMoved(t *testing.T) {
	c := newClub(t)
	ctx := context.Background()
	ms := mail.NewMailings(c.db, mail.Config{Host: "127.0.0.1", Port: 1})
	draft := mail.NewDraftID()
	if !validate.UUID(draft) || draft == mail.NewDraftID() {
		t.Fatalf("draft id %q", draft)
	}
	pdf := mail.Attachment{Filename: "Einladung.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("p"), 6<<20)}
	img := mail.Attachment{Filename: "Plan.png", ContentType: "image/png", Data: bytes.Repeat([]byte("i"), 3<<20)}
	if err := ms.AddDraftFiles(ctx, c.admin, draft, []mail.Attachment{pdf}); err != nil {
		t.Fatal(err)
	}
	if err := ms.AddDraftFiles(ctx, c.admin, draft, []mail.Attachment{img}); err != nil {
		t.Fatal(err)
	}
	// 6 + 3 + 2 MB is over 10 MB: refused as a whole, the draft unchanged.
	err := ms.AddDraftFiles(ctx, c.admin, draft, []mail.Attachment{{Filename: "x.pdf", ContentType: "application/pdf", Data: make([]byte, 2<<20)}})
	if fe, ok := validate.As(err); !ok || fe["attachments"].ID != mail.MsgAttachmentsTooBig {
		t.Fatalf("over 10 MB: %v", err)
	}
	files, err := ms.DraftFiles(ctx, c.admin, draft)
	if err != nil || len(files) != 2 || files[0].Filename != "Einladung.pdf" || files[1].Size != 3<<20 {
		t.Fatalf("kept files: %+v, %v", files, err)
	}
	// Another user with the same draft id sees nothing and removes nothing.
	var other string
	if err := c.db.QueryRow(ctx, `INSERT INTO users (email, role_id) SELECT 'kasse@example.org', id FROM roles WHERE system_key = 'admin' RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	intruder := authz.Actor{UserID: other, Email: "kasse@example.org", Set: authz.Admin}
	if got, err := ms.DraftFiles(ctx, intruder, draft); err != nil || len(got) != 0 {
		t.Fatalf("another user's view of the draft: %+v, %v", got, err)
	}
	if err := ms.RemoveDraftFile(ctx, intruder, draft, files[0].ID); !errors.Is(err, mail.ErrNotFound) {
		t.Fatalf("another user removed a file: %v", err)
	}
	if err := ms.AddDraftFiles(ctx, authz.Actor{UserID: other, Set: authz.ReadOnly}, draft, []mail.Attachment{img}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("read-only user uploaded: %v", err)
	}
	// Removing frees room.
	if err := ms.RemoveDraftFile(ctx, c.admin, draft, files[1].ID); err != nil {
		t.Fatal(err)
	}
	if err := ms.RemoveDraftFile(ctx, c.admin, draft, files[1].ID); !errors.Is(err, mail.ErrNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	small := mail.Attachment{Filename: "Anfahrt.txt", ContentType: "text/plain", Data: []byte("Bus 42")}
	if err := ms.AddDraftFiles(ctx, c.admin, draft, []mail.Attachment{small}); err != nil {
		t.Fatal(err)
	}
	id, err := ms.Create(ctx, c.admin, mail.Draft{Subject: "Versammlung", Body: "Hallo {{first_name}}", Groups: []string{"jugend-u14"},
		DraftID: draft}, unsub("http://x"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ms.Get(ctx, c.admin, id)
	if err != nil || len(m.Attachments) != 2 || m.Attachments[0].Filename != "Einladung.pdf" || m.Attachments[0].Size != 6<<20 ||
		m.Attachments[1].Filename != "Anfahrt.txt" {
		t.Fatalf("mailing's attachments: %+v, %v", m.Attachments, err)
	}
	if left, _ := ms.DraftFiles(ctx, c.admin, draft); len(left) != 0 {
		t.Fatalf("draft keeps %d files after sending", len(left))
	}
	if err := ms.AddDraftFiles(ctx, c.admin, "not-a-uuid", []mail.Attachment{small}); !errors.Is(err, mail.ErrNotFound) {
		t.Fatalf("bad draft id: %v", err)
	}
}
