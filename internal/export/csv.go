package export

import (
	"bufio"
	"io"
	"strings"
	"time"
)

// CSV writes the table as a spreadsheet program in the viewer's language
// opens it without asking: UTF-8 with a byte order mark (so Excel reads
// umlauts), ";" as the separator and dd.mm.yyyy dates in German (German
// Excel's list separator and date), "," and ISO dates in English. No
// "sep=" line: Excel honours it but then ignores the BOM, and other
// programs show it as data. Fields are quoted as RFC 4180 says (a
// separator, quote or line break inside; quotes doubled) and lines end
// in CRLF. A text value beginning with "=", "+", "-", "@", a tab or a CR
// would be run as a formula by spreadsheets: it gets a leading "'",
// which they show as text (OWASP's advice on CSV injection).
func CSV(w io.Writer, t Table, rows Rows) error {
	sep := ","
	if t.german() {
		sep = ";"
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\uFEFF")
	line := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		line[i] = c.Label
	}
	writeCSVLine(bw, sep, line, nil)
	err := rows(func(values []any) error {
		for i := range line {
			line[i] = ""
			if i < len(values) {
				line[i] = t.text(values[i], false)
			}
		}
		writeCSVLine(bw, sep, line, values)
		// bufio reports a failed write (a client gone) on the next one.
		_, err := bw.WriteString("")
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// writeCSVLine writes one record. values (nil for the header) tells
// which fields are text, and so may need defusing.
func writeCSVLine(bw *bufio.Writer, sep string, fields []string, values []any) {
	for i, f := range fields {
		if i > 0 {
			bw.WriteString(sep)
		}
		isText := values == nil
		if values != nil && i < len(values) {
			_, isText = values[i].(string)
		}
		if isText {
			f = Inert(f)
		}
		if strings.ContainsAny(f, sep+"\"\r\n") {
			bw.WriteByte('"')
			bw.WriteString(strings.ReplaceAll(f, `"`, `""`))
			bw.WriteByte('"')
		} else {
			bw.WriteString(f)
		}
	}
	bw.WriteString("\r\n")
}

// Inert returns s so that a spreadsheet shows it as text instead of
// running it as a formula: a leading "'" when s begins with "=", "+",
// "-", "@", a tab or a carriage return.
func Inert(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// FileDate is the date in a file name: ISO, which sorts.
func FileDate(d time.Time) string { return d.Format("2006-01-02") }
