// Package club holds the club's own settings — its name, logo, accent
// colour and default language — and what the home page's first-steps
// checklist reads. Reading the settings needs no permission (the name and
// logo are shown on the sign-in page too); changing them is the admin's.
package club

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders, so that an upload is checked to be a real image
	_ "image/jpeg"
	_ "image/png"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"mila/internal/authz"
	"mila/internal/pg"
	"mila/internal/validate"
)

// Limits of the settings, as the database checks them too.
const (
	MaxNameLen   = 100
	MaxLogoBytes = 256 << 10
	// MinAccentContrast is WCAG AA for normal text: the accent colour is
	// the background of primary buttons, with white text on it.
	MinAccentContrast = 4.5
)

// Message ids of the settings' own field errors (internal/web/locales/settings.*.json).
const (
	ErrAccentFormat   = "ErrClubAccentFormat"   // not a colour like #1a5fb4
	ErrAccentContrast = "ErrClubAccentContrast" // white text on it is hard to read
	ErrLogoType       = "ErrClubLogoType"       // not a PNG, JPEG or GIF image
	ErrLogoTooBig     = "ErrClubLogoTooBig"     // more than MaxLogoBytes
)

// Settings are the club's settings.
type Settings struct {
	Name        string
	HasLogo     bool
	Accent      string // "#rrggbb", or "" for Mila's own colour
	DefaultLang string // "en" or "de"
	UpdatedAt   time.Time
}

// Input is a change of the settings. Logo is a new logo (nil: keep the
// current one unless RemoveLogo).
type Input struct {
	Name        string
	Accent      string
	DefaultLang string
	Logo        []byte
	RemoveLogo  bool
}

// Store reads and changes the settings.
type Store struct{ db *pgxpool.Pool }

// New returns a store on db.
func New(db *pgxpool.Pool) *Store { return &Store{db: db} }

// Get returns the settings.
func (s *Store) Get(ctx context.Context) (Settings, error) {
	var st Settings
	err := s.db.QueryRow(ctx, `SELECT name, logo IS NOT NULL, coalesce(accent, ''), default_lang, updated_at FROM club_settings`).
		Scan(&st.Name, &st.HasLogo, &st.Accent, &st.DefaultLang, &st.UpdatedAt)
	if err != nil {
		return Settings{}, fmt.Errorf("club settings: %w", err)
	}
	return st, nil
}

// ErrNoLogo is Logo's answer when the club has none.
var ErrNoLogo = errors.New("the club has no logo")

// Logo returns the logo and its content type.
func (s *Store) Logo(ctx context.Context) (data []byte, contentType string, updated time.Time, err error) {
	var typ *string
	err = s.db.QueryRow(ctx, `SELECT logo, logo_type, updated_at FROM club_settings`).Scan(&data, &typ, &updated)
	if err != nil {
		return nil, "", time.Time{}, fmt.Errorf("club logo: %w", err)
	}
	if data == nil || typ == nil {
		return nil, "", time.Time{}, ErrNoLogo
	}
	return data, *typ, updated, nil
}

var accentPattern = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Update changes the settings (admin). Field errors: "name", "accent",
// "default_lang", "logo".
func (s *Store) Update(ctx context.Context, actor authz.Actor, in Input) (Settings, error) {
	if err := actor.Require(authz.Settings, authz.Update); err != nil {
		return Settings{}, err
	}
	in.Name = validate.Clean(in.Name)
	in.Accent = strings.ToLower(strings.TrimSpace(in.Accent))
	e := validate.Errors{}
	validate.Text(e, "name", in.Name, MaxNameLen, false, false)
	if in.Accent != "" {
		if !accentPattern.MatchString(in.Accent) {
			e.Add("accent", ErrAccentFormat, nil)
		} else if c := ContrastWithWhite(in.Accent); c < MinAccentContrast {
			e.Add("accent", ErrAccentContrast, map[string]any{"Ratio": strconv.FormatFloat(math.Floor(c*10)/10, 'f', 1, 64), "Min": MinAccentContrast})
		}
	}
	if in.DefaultLang != "en" && in.DefaultLang != "de" {
		e.Add("default_lang", validate.Invalid, nil)
	}
	var logoType *string
	if in.Logo != nil {
		typ, err := checkLogo(in.Logo)
		if err != "" {
			e.Add("logo", err, map[string]any{"Max": MaxLogoBytes / 1024})
		}
		logoType = &typ
	}
	if err := e.Err(); err != nil {
		return Settings{}, err
	}
	var accent *string
	if in.Accent != "" {
		accent = &in.Accent
	}
	q := `UPDATE club_settings SET name = $1, accent = $2, default_lang = $3, updated_at = now()`
	args := []any{in.Name, accent, in.DefaultLang}
	switch {
	case in.Logo != nil:
		q += `, logo = $4, logo_type = $5`
		args = append(args, in.Logo, *logoType)
	case in.RemoveLogo:
		q += `, logo = NULL, logo_type = NULL`
	}
	if _, err := pg.Exec(ctx, s.db, q, args...); err != nil {
		return Settings{}, fmt.Errorf("save club settings: %w", err)
	}
	return s.Get(ctx)
}

// checkLogo returns the logo's content type, or the message id of what is
// wrong with it: only PNG, JPEG and GIF images that decode (no SVG: it can
// carry scripts) and are at most MaxLogoBytes.
func checkLogo(data []byte) (contentType, problem string) {
	if len(data) > MaxLogoBytes {
		return "", ErrLogoTooBig
	}
	typ := http.DetectContentType(data)
	switch typ {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return "", ErrLogoType
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 || cfg.Width > 4000 || cfg.Height > 4000 {
		return "", ErrLogoType
	}
	return typ, ""
}

// ContrastWithWhite is the WCAG contrast ratio of white text on the colour
// hex ("#rrggbb"): from 1 (white) to 21 (black).
func ContrastWithWhite(hex string) float64 {
	if !accentPattern.MatchString(strings.ToLower(hex)) {
		return 1
	}
	lin := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(hex[1:3]) + 0.7152*lin(hex[3:5]) + 0.0722*lin(hex[5:7])
	return 1.05 / (l + 0.05)
}

// Progress is the first-steps checklist of a new installation: each step
// is done once there is something to show for it.
type Progress struct {
	Named      bool // the club has a name
	Fields     bool // a data field exists
	Groups     bool // a group exists
	Members    bool // a member exists (entered or imported)
	Colleagues bool // a second user exists
}

// Done reports whether every step is done.
func (p Progress) Done() bool { return p.Named && p.Fields && p.Groups && p.Members && p.Colleagues }

// Progress reads the checklist (admin: the checklist is about setting
// Mila up).
func (s *Store) Progress(ctx context.Context, actor authz.Actor) (Progress, error) {
	if err := actor.Require(authz.Settings, authz.Update); err != nil {
		return Progress{}, err
	}
	var p Progress
	err := s.db.QueryRow(ctx, `SELECT (SELECT name <> '' FROM club_settings),
			EXISTS (SELECT 1 FROM custom_fields), EXISTS (SELECT 1 FROM groups),
			EXISTS (SELECT 1 FROM members), (SELECT count(*) >= 2 FROM users)`).
		Scan(&p.Named, &p.Fields, &p.Groups, &p.Members, &p.Colleagues)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return Progress{}, fmt.Errorf("first steps: %w", err)
	}
	return p, nil
}
