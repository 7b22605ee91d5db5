package club

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"mila/internal/authz"
	"mila/internal/testpg"
	"mila/internal/validate"
)

var admin = authz.Actor{UserID: "0190a000-0000-7000-8000-000000000001", Set: authz.Admin}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fieldErr(err error, field string) string {
	fe, ok := validate.As(err)
	if !ok {
		return ""
	}
	return fe[field].ID
}

func TestSettings(t *testing.T) {
	db := testpg.New(t)
	s := New(db)
	ctx := context.Background()
	st, err := s.Get(ctx)
	if err != nil || st.Name != "" || st.HasLogo || st.Accent != "" || st.DefaultLang != "en" {
		t.Fatalf("defaults: %+v %v", st, err)
	}
	// Only admins change the settings.
	for _, set := range []authz.PermissionSet{authz.OwnData, authz.ReadOnly, authz.NormalUser} {
		if _, err := s.Update(ctx, authz.Actor{UserID: admin.UserID, Set: set}, Input{Name: "X", DefaultLang: "de"}); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("%s: %v", set, err)
		}
	}
	// Every mistake at once, nothing written.
	_, err = s.Update(ctx, admin, Input{Name: strings.Repeat("x", MaxNameLen+1), Accent: "#fff", DefaultLang: "fr", Logo: []byte("GIF89a but not really")})
	for field, want := range map[string]string{"name": validate.TooLong, "accent": ErrAccentFormat, "default_lang": validate.Invalid, "logo": ErrLogoType} {
		if got := fieldErr(err, field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if _, err := s.Update(ctx, admin, Input{Accent: "#FFD700", DefaultLang: "en"}); fieldErr(err, "accent") != ErrAccentContrast {
		t.Errorf("gold (white text unreadable): %v", err)
	}
	if _, err := s.Update(ctx, admin, Input{DefaultLang: "en", Logo: append(pngImage(t, 10, 10), make([]byte, MaxLogoBytes)...)}); fieldErr(err, "logo") != ErrLogoTooBig {
		t.Errorf("big logo: %v", err)
	}
	if _, err := s.Update(ctx, admin, Input{DefaultLang: "en", Logo: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}); fieldErr(err, "logo") != ErrLogoType {
		t.Errorf("svg logo: %v", err)
	}
	if st, _ := s.Get(ctx); st.Name != "" || st.DefaultLang != "en" {
		t.Fatalf("a refused change wrote something: %+v", st)
	}
	// A good change; the logo comes back as it went in.
	logo := pngImage(t, 40, 20)
	st, err = s.Update(ctx, admin, Input{Name: "  TSV Musterstadt  ", Accent: "#1A5FB4", DefaultLang: "de", Logo: logo})
	if err != nil || st.Name != "TSV Musterstadt" || st.Accent != "#1a5fb4" || st.DefaultLang != "de" || !st.HasLogo {
		t.Fatalf("update: %+v %v", st, err)
	}
	data, typ, _, err := s.Logo(ctx)
	if err != nil || typ != "image/png" || !bytes.Equal(data, logo) {
		t.Fatalf("logo: %q %d bytes %v", typ, len(data), err)
	}
	// Keeping the logo unless told otherwise, then removing it.
	if st, err = s.Update(ctx, admin, Input{Name: "TSV", DefaultLang: "de"}); err != nil || !st.HasLogo {
		t.Fatalf("keep logo: %+v %v", st, err)
	}
	if st, err = s.Update(ctx, admin, Input{Name: "TSV", DefaultLang: "de", RemoveLogo: true}); err != nil || st.HasLogo {
		t.Fatalf("remove logo: %+v %v", st, err)
	}
	if _, _, _, err := s.Logo(ctx); !errors.Is(err, ErrNoLogo) {
		t.Errorf("logo after removal: %v", err)
	}
	// The database refuses what the store would refuse.
	if _, err := db.Exec(ctx, `UPDATE club_settings SET accent = 'red'`); err == nil {
		t.Error("the database took a malformed accent")
	}
	if _, err := db.Exec(ctx, `INSERT INTO club_settings (id) VALUES (true)`); err == nil {
		t.Error("the database took a second settings row")
	}
}

func TestContrastWithWhite(t *testing.T) {
	for hex, want := range map[string]float64{"#000000": 21, "#ffffff": 1, "#1a5fb4": 6.3, "#ffd700": 1.4} {
		if got := ContrastWithWhite(hex); got < want-0.1 || got > want+0.1 {
			t.Errorf("%s: %.2f, want about %.1f", hex, got, want)
		}
	}
}

func TestProgress(t *testing.T) {
	db := testpg.New(t)
	s := New(db)
	ctx := context.Background()
	if _, err := s.Progress(ctx, authz.Actor{UserID: admin.UserID, Set: authz.ReadOnly}); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("read only: %v", err)
	}
	p, err := s.Progress(ctx, admin)
	if err != nil || p.Named || p.Fields || p.Groups || p.Members || p.Colleagues || p.Done() {
		t.Fatalf("empty installation: %+v %v", p, err)
	}
	for _, q := range []string{
		`UPDATE club_settings SET name = 'TSV'`,
		`INSERT INTO custom_fields (name, slug, value_type) VALUES ('Nummer', 'nummer', 'string')`,
		`INSERT INTO groups (name, slug) VALUES ('Chor', 'chor')`,
		`INSERT INTO members (first_name, last_name) VALUES ('Anna', 'Ahrens')`,
		`INSERT INTO users (email, role_id) SELECT x || '@example.org', (SELECT id FROM roles WHERE system_key = 'admin') FROM unnest(ARRAY['a', 'b']) x`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if p, err = s.Progress(ctx, admin); err != nil || !p.Done() {
		t.Fatalf("after every step: %+v %v", p, err)
	}
}
