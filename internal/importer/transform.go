package importer

import (
	"strconv"
	"strings"
	"time"
)

// excelEpoch is day 0 of Excel's serial dates. Excel counts 1900 as a
// leap year, so from 1900-03-01 on (serial 61) the count matches days
// since 1899-12-30; earlier serials are not member dates anyway.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseDate reads s in format and returns it as yyyy-mm-dd, the member
// form's format, which then checks the range. ok is false when s is not
// a date in that format.
func parseDate(s, format string) (string, bool) {
	s = strings.TrimSpace(s)
	var t time.Time
	var err error
	switch format {
	case DateISO:
		t, err = time.Parse("2006-1-2", s)
	case DateDMY:
		t, err = time.Parse("2.1.2006", s)
	case DateMDY:
		t, err = time.Parse("1/2/2006", s)
	case DateSerial:
		return parseSerial(s)
	default: // DateAuto: the unambiguous forms only
		if strings.Contains(s, "-") {
			return parseDate(s, DateISO)
		}
		if strings.Contains(s, ".") && strings.Count(s, ".") == 2 {
			return parseDate(s, DateDMY)
		}
		return parseSerial(s)
	}
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// parseSerial reads an Excel serial date. A workbook stores a date cell
// as one (the reader asks for raw values), and a time of day as the
// fraction, which a member date drops.
func parseSerial(s string) (string, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 61 || f > 2958465 { // 1900-03-01 … 9999-12-31
		return "", false
	}
	return excelEpoch.AddDate(0, 0, int(f)).Format("2006-01-02"), true
}

// yesNo reads a yes/no word as "true" or "false": what clubs write in
// a column of ticks.
func yesNo(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ja", "j", "yes", "y", "x", "1", "true", "wahr", "on", "✓", "✔":
		return "true", true
	case "nein", "n", "no", "0", "false", "falsch", "off", "-":
		return "false", true
	}
	return "", false
}

// yesNo reads a yes/no cell: the column's own words first, then the
// usual ones.
func (c *column) yesNo(s string) (string, bool) {
	if len(c.yes)+len(c.no) > 0 {
		w := strings.ToLower(strings.TrimSpace(s))
		for _, y := range c.yes {
			if w == y {
				return "true", true
			}
		}
		for _, n := range c.no {
			if w == n {
				return "false", true
			}
		}
	}
	return yesNo(s)
}
