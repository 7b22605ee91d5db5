// Package export writes lists out of Mila: CSV as German and English
// spreadsheets read it, XLSX with typed cells, PDF for paper (a
// landscape table, address labels). Writers stream: they take the rows
// one at a time from a Rows function and keep only a small sample (to fit
// column widths) in memory.
//
// The package knows nothing of members or permissions: its caller
// (membership.MemberExport) has chosen the columns the actor may read and
// gives their labels in the viewer's language.
package export

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mila/internal/membership"
)

// Rows calls fn with each row's values in the columns' order: nil, a
// string, a time.Time (a date), an int64 or a bool. The slice may be
// reused for the next row. An error from fn stops it and is returned.
type Rows func(fn func(values []any) error) error

// Column is one column of a table: its heading and the type of its values.
type Column struct {
	Label string
	Kind  membership.ColumnKind
}

// Table is what a writer needs besides the rows.
type Table struct {
	Lang    string // "de" or "en": separators, date formats
	Title   string // "Members: Jugend U14"
	Filter  string // what the list shows, in words ("Active members · Group: Jugend U14")
	AsOf    time.Time
	Columns []Column
	Sheet   string // the spreadsheet's sheet name ("Mitglieder")

	// Words of the viewer's language.
	Yes, No string
	// AsOfText is "Stand: 03.12.2026" (PDF); PageText formats "page x of y"
	// for the PDF's footer, e.g. func(x, y string) string { return "Seite " + x + " von " + y }.
	AsOfText string
	PageText func(x, y string) string
	// DateText formats a date for reading (PDF); nil: as in CSV.
	DateText func(time.Time) string
}

// german reports whether t is written for German readers.
func (t Table) german() bool { return t.Lang == "de" }

// csvDate is the date as the viewer's spreadsheet reads it.
func (t Table) csvDate(d time.Time) string {
	if t.german() {
		return d.Format("02.01.2006")
	}
	return d.Format("2006-01-02")
}

// text is a value as text: dates as CSV writes them (or DateText), yes
// and no as words, numbers in digits.
func (t Table) text(v any, human bool) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		if human && t.DateText != nil {
			return t.DateText(v)
		}
		return t.csvDate(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case bool:
		if v {
			return t.Yes
		}
		return t.No
	}
	return ""
}

// sample reads up to n rows of rows (copies), then hands the rest on:
// a writer sizes its columns from the sample and writes it before the
// rest, so that memory holds n rows at most.
type sample struct {
	rows [][]any
}

// sampleRows is how many rows fit the column widths.
const sampleRows = 200

// widths are the widest value of each column in the sample, in
// characters (header included), at most maxChars.
func (s *sample) widths(t Table, maxChars int, human bool) []int {
	w := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		w[i] = utf8.RuneCountInString(c.Label)
	}
	for _, r := range s.rows {
		for i := range w {
			if i < len(r) {
				w[i] = max(w[i], utf8.RuneCountInString(oneLine(t.text(r[i], human))))
			}
		}
	}
	for i := range w {
		w[i] = min(w[i], maxChars)
	}
	return w
}

// stream runs rows: the first sampleRows rows are collected (copied),
// then start is called once with the sample, and each later row goes to
// each. start is called even for an empty list.
func stream(rows Rows, start func(s *sample) error, each func(values []any) error) error {
	s := &sample{}
	started := false
	err := rows(func(values []any) error {
		if !started {
			if len(s.rows) < sampleRows {
				s.rows = append(s.rows, append([]any(nil), values...))
				return nil
			}
			started = true
			if err := start(s); err != nil {
				return err
			}
		}
		return each(values)
	})
	if err != nil {
		return err
	}
	if !started {
		return start(s)
	}
	return nil
}

// oneLine replaces line breaks and tabs with spaces (for a table cell on
// paper).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
