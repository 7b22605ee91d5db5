package importer

import (
	"fmt"

	"mila/internal/membership"
)

// How a row finds the existing member it updates.
const (
	MatchEmail     = "email"      // the email address (ignoring case)
	MatchNumber    = "number"     // a custom field marked unique (membership number)
	MatchNameBirth = "name-birth" // first name + last name + a birth date custom field
)

// What an import may do.
const (
	ModeCreate = "create" // new members only; a row matching a member is an error
	ModeUpdate = "update" // existing members only; a row matching none is an error
	ModeUpsert = "upsert" // both
)

// Options say how rows are matched and what may change.
type Options struct {
	Match string `json:"match"`
	Mode  string `json:"mode"`
	// NumberField is the unique custom field (slug) of MatchNumber; ""
	// picks the club's only unique field.
	NumberField string `json:"number_field,omitempty"`
	// BirthField is the date custom field (slug) of MatchNameBirth; ""
	// picks the one named like a birth date.
	BirthField string `json:"birth_field,omitempty"`
	// CreateGroups: group names that do not exist are created; otherwise
	// they are row errors.
	CreateGroups bool `json:"create_groups"`
	// ClearMarker, when not "", is the cell text that clears a stored
	// value (an empty cell never does). "" disables clearing.
	ClearMarker string `json:"clear_marker,omitempty"`
}

// Spec is everything a dry run was made from, stored with the batch.
type Spec struct {
	Mapping   Mapping  `json:"mapping"`
	Options   Options  `json:"options"`
	Format    string   `json:"format"`              // FormatCSV or FormatXLSX
	Encoding  string   `json:"encoding,omitempty"`  // CSV: EncodingUTF8 or EncodingWindows1252
	Separator string   `json:"separator,omitempty"` // CSV: "," ";" or "\t"
	Sheet     string   `json:"sheet,omitempty"`
	Header    []string `json:"header"`
}

// resolve fills the defaults of o and checks it against the fields.
func (o Options) resolve(fields []membership.CustomField) (Options, error) {
	switch o.Mode {
	case "":
		o.Mode = ModeUpsert
	case ModeCreate, ModeUpdate, ModeUpsert:
	default:
		return o, newErr(MsgBadOption, map[string]any{"Option": "mode", "Value": o.Mode})
	}
	bySlug := map[string]membership.CustomField{}
	for _, f := range fields {
		bySlug[f.Slug] = f
	}
	switch o.Match {
	case "", MatchEmail:
		o.Match = MatchEmail
	case MatchNumber:
		if o.NumberField == "" {
			o.NumberField = suggestNumberField(fields)
		}
		if f, ok := bySlug[o.NumberField]; !ok || !f.Unique {
			return o, newErr(MsgNoNumberField, nil)
		}
	case MatchNameBirth:
		if o.BirthField == "" {
			o.BirthField = suggestBirthField(fields)
		}
		if f, ok := bySlug[o.BirthField]; !ok || f.ValueType != membership.CustomFieldDate {
			return o, newErr(MsgNoBirthField, nil)
		}
	default:
		return o, newErr(MsgBadOption, map[string]any{"Option": "match", "Value": o.Match})
	}
	if len(o.ClearMarker) > 50 {
		return o, newErr(MsgBadOption, map[string]any{"Option": "clear marker", "Value": o.ClearMarker[:50]})
	}
	return o, nil
}

// matchTargets are the targets the match key is made of.
func (o Options) matchTargets() []string {
	switch o.Match {
	case MatchNumber:
		return []string{CustomTarget(o.NumberField)}
	case MatchNameBirth:
		return []string{"first_name", "last_name", CustomTarget(o.BirthField)}
	}
	return []string{"email"}
}

func (o Options) String() string {
	return fmt.Sprintf("match %s, mode %s", o.Match, o.Mode)
}
