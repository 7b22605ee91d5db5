package importer

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Msg is a translatable message: a go-i18n id and its template data.
type Msg struct {
	ID   string         `json:"id"`
	Data map[string]any `json:"data,omitempty"`
}

// Message ids of the import (texts in locales/import.*.json).
const (
	MsgTooLarge        = "ImportErrTooLarge"        // file over the size limit
	MsgTooManyRows     = "ImportErrTooManyRows"     // more data rows than allowed
	MsgTooManyColumns  = "ImportErrTooManyColumns"  // more columns than allowed
	MsgCellTooLarge    = "ImportErrCellTooLarge"    // one cell too long
	MsgNotText         = "ImportErrNotText"         // binary content in a CSV
	MsgBadCSV          = "ImportErrBadCSV"          // a CSV syntax error (quotes)
	MsgBadXLSX         = "ImportErrBadXLSX"         // not a readable XLSX
	MsgXLS             = "ImportErrXLS"             // the old binary Excel format
	MsgNoSheet         = "ImportErrNoSheet"         // the chosen sheet does not exist
	MsgEmptyFile       = "ImportErrEmptyFile"       // no header row
	MsgNoRows          = "ImportErrNoRows"          // a header but no data
	MsgEmptyHeader     = "ImportErrEmptyHeader"     // a column without a heading
	MsgDuplicateHeader = "ImportErrDuplicateHeader" // two columns with one heading
	MsgUnknownTarget   = "ImportErrUnknownTarget"   // mapping names no field
	MsgTargetTwice     = "ImportErrTargetTwice"     // two columns mapped to one field
	MsgNameUnmapped    = "ImportErrNameUnmapped"    // first and last name are not both mapped
	MsgMatchUnmapped   = "ImportErrMatchUnmapped"   // the match key's columns are not mapped
	MsgNoNumberField   = "ImportErrNoNumberField"   // matching by number without a unique field
	MsgNoBirthField    = "ImportErrNoBirthField"    // matching by birth date without a date field
	MsgBadOption       = "ImportErrBadOption"       // an option value is not known
	MsgNotFound        = "ImportErrNotFound"        // no such batch or mapping
	MsgMappingName     = "ImportErrMappingName"     // mapping name empty or too long
	MsgNotDryRun       = "ImportErrNotDryRun"       // commit of a batch that is not a dry run
	MsgHasErrors       = "ImportErrHasErrors"       // commit refused: rows with errors
	MsgNothingToDo     = "ImportErrNothingToDo"     // commit of a batch without changes
	MsgStale           = "ImportErrStale"           // members changed since the dry run
	MsgConflict        = "ImportErrConflict"        // a value became taken since the dry run
	MsgInterrupted     = "ImportErrInterrupted"     // the server stopped during the commit
	MsgFailed          = "ImportErrFailed"          // the commit failed (see the log)
	MsgNotUndoable     = "ImportErrNotUndoable"     // undo of a batch that is not done
	MsgChangedSince    = "ImportErrChangedSince"    // undo refused: members changed since

	// Row errors (in a dry run, per cell).
	MsgRowFormula      = "ImportErrFormula"      // a cell that is a spreadsheet formula
	MsgRowBadDate      = "ImportErrBadDate"      // a date not in the column's format
	MsgRowBadYesNo     = "ImportErrBadYesNo"     // not a yes/no word
	MsgRowUnknownGroup = "ImportErrUnknownGroup" // a group that does not exist (and may not be created)
	MsgRowBadGroup     = "ImportErrBadGroup"     // a group name that cannot be a group
	MsgRowExists       = "ImportErrExists"       // mode create: the row matches a member
	MsgRowNoMatch      = "ImportErrNoMatch"      // mode update: the row matches no member
	MsgRowAmbiguous    = "ImportErrAmbiguous"    // the row matches several members
	// MsgRowAmbiguousEmail: matching by email, the row's address is
	// several members' (a household shares one).
	MsgRowAmbiguousEmail = "ImportErrAmbiguousEmail"
	MsgRowDuplicate      = "ImportErrDuplicate"   // another row of the file has the same key
	MsgRowClearDenied    = "ImportErrClearDenied" // the clear marker on a field that must have a value
	MsgRowLinkedEmail    = "ImportErrLinkedEmail" // a linked member's email taken by another user
)

// Error is a problem with a whole file, a mapping or an action, carrying
// its message. It wraps an underlying error when there is one.
type Error struct {
	Msg Msg
	err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg.ID)
	if len(e.Msg.Data) > 0 {
		fmt.Fprintf(&b, " %v", e.Msg.Data)
	}
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.err }

func newErr(id string, data map[string]any) *Error { return &Error{Msg: Msg{ID: id, Data: data}} }

// AsError returns the import error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Locales holds this package's message files (go-i18n JSON,
// import.<lang>.json); the web layer loads them into its bundle.
//
//go:embed locales/*.json
var Locales embed.FS

// Texts turns messages into text outside the web layer (the command
// line): this package's messages, plus the message files of each more
// (read as *.json at its root). Row errors carry the member form's ids,
// whose texts are the web layer's own files (web.Locales()); passing
// them here keeps one copy of every text.
type Texts struct{ b *i18n.Bundle }

// NewTexts loads this package's messages and those in more.
func NewTexts(more ...fs.FS) (*Texts, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", jsonUnmarshal)
	load := func(fsys fs.FS, glob string) error {
		names, err := fs.Glob(fsys, glob)
		if err != nil {
			return err
		}
		for _, n := range names {
			data, err := fs.ReadFile(fsys, n)
			if err != nil {
				return err
			}
			// go-i18n reads the language from the file name: name.<lang>.json.
			if _, err := b.ParseMessageFileBytes(data, path.Base(n)); err != nil {
				return fmt.Errorf("importer: message file %s: %w", n, err)
			}
		}
		return nil
	}
	if err := load(Locales, "locales/*.json"); err != nil {
		return nil, err
	}
	for _, fsys := range more {
		if err := load(fsys, "*.json"); err != nil {
			return nil, err
		}
	}
	return &Texts{b: b}, nil
}

// Text returns m in lang ("en" or "de"; anything else is English). An id
// without a text comes back as the id itself.
func (t *Texts) Text(m Msg, lang string) string {
	s, err := i18n.NewLocalizer(t.b, lang, "en").Localize(&i18n.LocalizeConfig{MessageID: m.ID, TemplateData: m.Data})
	if err != nil || s == "" {
		return m.ID
	}
	return s
}

var ownTexts = sync.OnceValues(func() (*Texts, error) { return NewTexts() })

// Text returns m in lang from this package's own messages only (the
// member form's ids come back as ids: use Texts with the web's files).
func (m Msg) Text(lang string) string {
	t, err := ownTexts()
	if err != nil {
		return m.ID
	}
	return t.Text(m, lang)
}
