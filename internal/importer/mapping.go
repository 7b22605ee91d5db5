package importer

import (
	"encoding/json"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"mila/internal/membership"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Targets a column can be mapped to, besides the member's own columns
// (CoreFields) and custom fields ("cf:" + slug).
const (
	TargetIgnore = ""
	TargetGroups = "groups"
	customPrefix = "cf:"
)

// CoreFields are the member columns a file column can fill, in form
// order; each name is the member form's field name.
var CoreFields = []string{"first_name", "last_name", "email", "phone", "street", "house_number",
	"postal_code", "city", "country", "join_date", "exit_date", "notes"}

// CustomTarget is the target name of a custom field.
func CustomTarget(slug string) string { return customPrefix + slug }

// Date formats a date column can be read in.
const (
	DateAuto   = "auto"       // yyyy-mm-dd, dd.mm.yyyy, or an Excel serial number
	DateISO    = "yyyy-mm-dd" // 2026-03-01
	DateDMY    = "dd.mm.yyyy" // 01.03.2026 (also 1.3.2026)
	DateMDY    = "mm/dd/yyyy" // 03/01/2026
	DateSerial = "excel"      // 46082: days since 1899-12-30, as Excel stores dates
)

// DateFormats lists the date formats in the order a form offers them.
var DateFormats = []string{DateAuto, DateDMY, DateISO, DateMDY, DateSerial}

// ColumnMap maps one column of the file, named by its heading.
type ColumnMap struct {
	Header     string `json:"header"`
	Target     string `json:"target"`                // a CoreFields name, CustomTarget(slug), TargetGroups or TargetIgnore
	DateFormat string `json:"date_format,omitempty"` // date targets: one of DateFormats ("" is DateAuto)
	// Yes and No are a yes/no column's own words, separated by commas
	// ("ja, J" / "nein, N"), read before the usual ones (yesNo); empty
	// for the usual ones only. Case is ignored.
	Yes string `json:"yes,omitempty"`
	No  string `json:"no,omitempty"`
}

// MaxYesNoChars bounds a column's yes or no words.
const MaxYesNoChars = 200

// words splits a list of yes or no words at commas.
func words(s string) []string {
	var out []string
	for _, w := range strings.Split(s, ",") {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Mapping maps the columns of a file. Columns of the file it does not
// name are ignored.
type Mapping struct {
	Columns []ColumnMap `json:"columns"`
}

// Target returns the target of the column with heading h ("" if none).
func (m Mapping) Target(h string) ColumnMap {
	k := normalizeHeader(h)
	for _, c := range m.Columns {
		if normalizeHeader(c.Header) == k {
			return c
		}
	}
	return ColumnMap{Header: h}
}

// coreAliases are headings (normalised) that suggest a core field: the
// column names themselves (what an export writes), the English and
// German labels of the member form, and common variants.
var coreAliases = map[string][]string{
	"first_name":   {"firstname", "first", "givenname", "forename", "vorname", "rufname"},
	"last_name":    {"lastname", "last", "surname", "familyname", "nachname", "familienname", "zuname"},
	"email":        {"email", "emailaddress", "mail", "emailadresse", "epost"},
	"phone":        {"phone", "telephone", "phonenumber", "tel", "telefon", "telefonnummer", "mobile", "mobil", "handy"},
	"street":       {"street", "strasse", "str", "address", "adresse", "anschrift"},
	"house_number": {"housenumber", "houseno", "number", "hausnummer", "hausnr", "hnr", "nr"},
	"postal_code":  {"postalcode", "postcode", "zip", "zipcode", "plz", "postleitzahl"},
	"city":         {"city", "town", "ort", "wohnort", "stadt"},
	"country":      {"country", "land", "staat"},
	"join_date":    {"joindate", "joined", "membersince", "entrydate", "eintritt", "eintrittsdatum", "mitgliedseit", "beitritt"},
	"exit_date":    {"exitdate", "left", "leavingdate", "austritt", "austrittsdatum"},
	"notes":        {"notes", "note", "remarks", "comment", "comments", "notizen", "notiz", "bemerkung", "bemerkungen", "kommentar"},
	TargetGroups:   {"groups", "group", "gruppen", "gruppe", "gruppenzugehorigkeit"},
}

// normalizeHeader folds a heading for comparison: letters and digits
// only, lower case, accents dropped, ß as ss ("E-Mail" = "email",
// "Straße" = "strasse", "first_name" = "firstname").
func normalizeHeader(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case r == 'ß':
			b.WriteString("ss")
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Suggest maps each heading to the field it most likely means: a custom
// field by its name or slug first (a club's own "Nummer" field beats the
// house number), then the core fields and groups by their aliases.
// Headings that suggest nothing are ignored, and no field is suggested
// twice. Date columns read DateAuto.
func Suggest(header []string, fields []membership.CustomField) Mapping {
	used := map[string]bool{}
	m := Mapping{Columns: make([]ColumnMap, len(header))}
	for i, h := range header {
		k := normalizeHeader(h)
		target := ""
		for _, f := range fields {
			if k != "" && (k == normalizeHeader(f.Name) || k == normalizeHeader(f.Slug)) && !used[CustomTarget(f.Slug)] {
				target = CustomTarget(f.Slug)
				break
			}
		}
		if target == "" {
			for _, name := range append(append([]string{}, CoreFields...), TargetGroups) {
				if used[name] {
					continue
				}
				for _, a := range coreAliases[name] {
					if k == a {
						target = name
						break
					}
				}
				if target != "" {
					break
				}
			}
		}
		if target != "" {
			used[target] = true
		}
		m.Columns[i] = ColumnMap{Header: strings.TrimSpace(h), Target: target}
	}
	return m
}

// birthAliases are names (normalised) of a custom date field that holds
// the birth date, for matching by name and birth date.
var birthAliases = []string{"birthdate", "dateofbirth", "birthday", "born", "geburtsdatum", "geburtstag", "geboren", "gebdatum"}

// suggestBirthField returns the slug of the date custom field that
// looks like the birth date, or "".
func suggestBirthField(fields []membership.CustomField) string {
	for _, f := range fields {
		if f.ValueType != membership.CustomFieldDate {
			continue
		}
		for _, a := range birthAliases {
			if normalizeHeader(f.Name) == a || normalizeHeader(f.Slug) == a {
				return f.Slug
			}
		}
	}
	return ""
}

// suggestNumberField returns the slug of the unique custom field when
// there is exactly one, else "".
func suggestNumberField(fields []membership.CustomField) string {
	slug := ""
	for _, f := range fields {
		if f.Unique {
			if slug != "" {
				return ""
			}
			slug = f.Slug
		}
	}
	return slug
}
