package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mila/internal/authz"
	"mila/internal/validate"
)

// Upload is a file kept between the steps of the web import: uploaded,
// then mapped (and its sheet picked), then dry-run — each step a request
// of its own, perhaps to another Mila process.
type Upload struct {
	ID       string
	FileName string
	Size     int64
	data     []byte
}

// File is the upload as a File to read, with sheet picked ("" for the
// first).
func (u Upload) File(sheet string) File {
	return File{Name: u.FileName, Size: u.Size, Data: bytes.NewReader(u.data), Sheet: sheet}
}

// SaveUpload checks that data is a file the import can read (Inspect:
// its format, header and limits) and keeps it. The preview is the
// Inspect of its first sheet.
func (im Importer) SaveUpload(ctx context.Context, actor authz.Actor, name string, data []byte) (Upload, Preview, error) {
	if err := actor.Require(authz.Import, authz.Create); err != nil {
		return Upload{}, Preview{}, err
	}
	u := Upload{FileName: fileName(name), Size: int64(len(data)), data: data}
	pv, err := im.Inspect(ctx, actor, u.File(""))
	if err != nil {
		return Upload{}, Preview{}, err
	}
	err = im.DB.QueryRow(ctx, `INSERT INTO import_uploads (file_name, actor_id, size, data) VALUES ($1, $2, $3, $4) RETURNING id`,
		u.FileName, actorID(actor), u.Size, data).Scan(&u.ID)
	if err != nil {
		return Upload{}, Preview{}, fmt.Errorf("save import upload: %w", err)
	}
	return u, pv, nil
}

// UploadByID returns a kept upload with its content.
func (im Importer) UploadByID(ctx context.Context, actor authz.Actor, id string) (Upload, error) {
	if err := actor.Require(authz.Import, authz.Create); err != nil {
		return Upload{}, err
	}
	if !validate.UUID(id) {
		return Upload{}, newErr(MsgNotFound, nil)
	}
	u := Upload{ID: id}
	err := im.DB.QueryRow(ctx, `SELECT file_name, size, data FROM import_uploads WHERE id = $1`, id).Scan(&u.FileName, &u.Size, &u.data)
	if errors.Is(err, pgx.ErrNoRows) {
		return Upload{}, newErr(MsgNotFound, nil)
	}
	if err != nil {
		return Upload{}, fmt.Errorf("get import upload %s: %w", id, err)
	}
	return u, nil
}
