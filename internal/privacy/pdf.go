package privacy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"mila/internal/export"
)

// PDFLabels are the texts of the PDF in the reader's language: the
// title and section headings by section name, and "generated".
type PDFLabels struct {
	Title     string            // e.g. "Data Mila holds about Erika Muster"
	Generated string            // e.g. "Generated 3 Dec 2026 12:00 UTC"
	Sections  map[string]string // section name → heading
	Empty     string            // shown under an empty section
}

// PDF renders the export as a readable document: one heading per
// section, each row as "field: value" lines. It holds the same data as
// the JSON.
func PDF(ex Export, l PDFLabels) ([]byte, error) {
	// The exports' font (DejaVu Sans Condensed, from npm at build time;
	// internal/export): Unicode text, so names in any Latin, Greek or
	// Cyrillic script print as typed.
	fontRegular, fontBold, err := export.Fonts()
	if err != nil {
		return nil, err
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	p.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	p.AddPage()
	p.SetTitle(l.Title, true)
	p.SetFont("dejavu", "B", 16)
	p.MultiCell(0, 8, l.Title, "", "L", false)
	p.SetFont("dejavu", "", 9)
	p.MultiCell(0, 5, l.Generated+" · "+ex.Schema, "", "L", false)
	p.Ln(3)
	sections := []struct {
		name string
		rows []json.RawMessage
	}{
		{"member", []json.RawMessage{ex.Member}},
		{"custom_values", ex.CustomValues},
		{"memberships", ex.Memberships},
		{"user", one(ex.User)},
		{"import_rows", ex.ImportRows},
		{"import_batches", ex.ImportBatches},
		{"import_memberships", ex.ImportMemberships},
		{"audit", ex.Audit},
	}
	for _, s := range sections {
		p.SetFont("dejavu", "B", 12)
		p.Ln(2)
		p.MultiCell(0, 7, l.Sections[s.name], "", "L", false)
		p.SetFont("dejavu", "", 9)
		if len(s.rows) == 0 {
			p.MultiCell(0, 5, l.Empty, "", "L", false)
			continue
		}
		for i, raw := range s.rows {
			if i > 0 {
				p.Ln(1.5)
			}
			var obj map[string]any
			if err := json.Unmarshal(raw, &obj); err != nil {
				return nil, fmt.Errorf("access export pdf: %w", err)
			}
			for _, line := range lines("", obj) {
				p.MultiCell(0, 4.6, line, "", "L", false)
			}
		}
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("access export pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func one(raw json.RawMessage) []json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return []json.RawMessage{raw}
}

// lines flattens an object into "key: value" lines, nested keys joined
// with dots, in key order.
func lines(prefix string, obj map[string]any) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch v := obj[k].(type) {
		case map[string]any:
			out = append(out, lines(name, v)...)
		case []any:
			if len(v) == 0 {
				out = append(out, name+": —")
			}
			for i, e := range v {
				if m, ok := e.(map[string]any); ok {
					out = append(out, lines(fmt.Sprintf("%s[%d]", name, i+1), m)...)
				} else {
					out = append(out, fmt.Sprintf("%s[%d]: %v", name, i+1, e))
				}
			}
		case nil:
			out = append(out, name+": —")
		case string:
			if v == "" {
				v = "—"
			}
			out = append(out, name+": "+strings.ReplaceAll(v, "\r", ""))
		default:
			out = append(out, fmt.Sprintf("%s: %v", name, v))
		}
	}
	return out
}
