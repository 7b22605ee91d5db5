package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"mila/internal/authz"
)

// WriteErrorCSV writes the rows with errors as CSV to w: the file's own
// header and cells plus a last column "error" naming each problem
// ("Column: message", in the words text gives). Fixed and uploaded
// again, it imports with the same mapping. It is UTF-8 with a BOM (so
// Excel reads the umlauts) and uses the uploaded file's separator.
func (im Importer) WriteErrorCSV(ctx context.Context, actor authz.Actor, batchID string, w io.Writer, text func(Msg) string) error {
	b, err := im.Batch(ctx, actor, batchID)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if b.Spec.Separator != "" {
		cw.Comma = []rune(b.Spec.Separator)[0]
	} else if b.Spec.Format == FormatXLSX {
		cw.Comma = ','
	}
	width := len(b.Spec.Header)
	if err := cw.Write(append(append([]string{}, b.Spec.Header...), "error")); err != nil {
		return err
	}
	rows, err := im.DB.Query(ctx, `SELECT cells, errors FROM import_rows WHERE batch_id = $1 AND status = 'error' ORDER BY line`, batchID)
	if err != nil {
		return fmt.Errorf("read error rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cells []string
		var raw []byte
		if err := rows.Scan(&cells, &raw); err != nil {
			return fmt.Errorf("read error rows: %w", err)
		}
		var errs []CellError
		if err := json.Unmarshal(raw, &errs); err != nil {
			return err
		}
		parts := make([]string, len(errs))
		for i, e := range errs {
			parts[i] = text(e.Msg)
			if e.Column != "" {
				parts[i] = e.Column + ": " + parts[i]
			}
		}
		rec := make([]string, width, width+1)
		copy(rec, cells)
		if err := cw.Write(append(rec, strings.Join(parts, "; "))); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read error rows: %w", err)
	}
	cw.Flush()
	return cw.Error()
}
