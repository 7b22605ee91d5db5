package importer

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestRowLimit: reading stops with MsgTooManyRows at the first data row
// beyond MaxRows, and a file of exactly MaxRows reads to the end. (On
// the source alone: through a dry run, the rows before the limit would
// be checked and stored first, for seconds.)
func TestRowLimit(t *testing.T) {
	for _, n := range []int{MaxRows, MaxRows + 1} {
		var b strings.Builder
		b.WriteString("Vorname;Nachname\n")
		for range n {
			b.WriteString("a;b\n")
		}
		content := []byte(b.String())
		src, _, err := openSource(File{Name: "x.csv", Size: int64(len(content)), Data: bytes.NewReader(content)})
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for {
			_, _, err = src.next()
			if err != nil {
				break
			}
			rows++
		}
		var e *Error
		switch {
		case n == MaxRows && (!errors.Is(err, io.EOF) || rows != MaxRows):
			t.Errorf("%d rows: read %d, %v", n, rows, err)
		case n > MaxRows && (!errors.As(err, &e) || e.Msg.ID != MsgTooManyRows || rows != MaxRows):
			t.Errorf("%d rows: read %d, %v", n, rows, err)
		}
	}
}

func TestDates(t *testing.T) {
	for _, c := range []struct{ in, format, want string }{
		{"01.02.2020", DateDMY, "2020-02-01"},
		{"1.2.2020", DateAuto, "2020-02-01"},
		{"2020-02-01", DateAuto, "2020-02-01"},
		{"2020-2-1", DateISO, "2020-02-01"},
		{"02/01/2020", DateMDY, "2020-02-01"},
		{"43862", DateAuto, "2020-02-01"},
		{"43862.75", DateSerial, "2020-02-01"},
		{"02/01/2020", DateAuto, ""}, // ambiguous without a chosen format
		{"31.02.2020", DateDMY, ""},
		{"12", DateSerial, ""},
		{"gestern", DateAuto, ""},
	} {
		got, ok := parseDate(c.in, c.format)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("parseDate(%q, %s) = %q, %v; want %q", c.in, c.format, got, ok, c.want)
		}
	}
	for in, want := range map[string]string{"ja": "true", "X": "true", "1": "true", "Nein": "false", "0": "false", "no": "false", "vielleicht": ""} {
		if got, ok := yesNo(in); got != want || ok != (want != "") {
			t.Errorf("yesNo(%q) = %q, %v", in, got, ok)
		}
	}
}
