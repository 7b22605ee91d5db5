package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"mila/internal/club"
)

// The club settings page (admin): name, logo, accent colour, default
// language. The logo and the accent's stylesheet are public addresses, as
// every page (the sign-in page too) shows them.

// settingsPage is what settingsView shows.
type settingsPage struct {
	Form    *Form
	HasLogo bool
	Langs   []option
}

var settingsLabels = map[string]string{
	"name":         "SettingsFieldName",
	"accent":       "SettingsFieldAccent",
	"default_lang": "SettingsFieldLang",
	"logo":         "SettingsFieldLogo",
}

// settingsLangs are the languages, each named in itself (as the
// header's language switch names them).
func (a *App) settingsLangs(*http.Request) []option {
	return []option{{Value: "en", Label: "English"}, {Value: "de", Label: "Deutsch"}}
}

// settingsShow shows the form with the current settings.
func (a *App) settingsShow(w http.ResponseWriter, r *http.Request) {
	s, err := a.club.store.Get(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	f := newForm(nil)
	f.Values.Set("name", s.Name)
	f.Values.Set("accent", s.Accent)
	f.Values.Set("default_lang", s.DefaultLang)
	a.render(w, r, http.StatusOK, pageView(settingsView, settingsPage{Form: f, HasLogo: s.HasLogo, Langs: a.settingsLangs(r)}))
}

// settingsSave saves the settings. The form is multipart (the logo);
// a request over the body limit gets the 413 page.
func (a *App) settingsSave(w http.ResponseWriter, r *http.Request) {
	err := r.ParseMultipartForm(club.MaxLogoBytes + 64<<10)
	switch {
	case errors.Is(err, http.ErrNotMultipart):
		// A plain form (no logo): parseForm answers its own errors.
		if !a.parseForm(w, r) {
			return
		}
	case statusFor(err) == http.StatusRequestEntityTooLarge:
		a.clientError(w, r, http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	f := newForm(r.PostForm)
	in := club.Input{Name: f.Get("name"), Accent: f.Get("accent"), DefaultLang: f.Get("default_lang"), RemoveLogo: f.Get("remove_logo") != ""}
	if file, _, err := r.FormFile("logo"); err == nil {
		data, err := io.ReadAll(io.LimitReader(file, club.MaxLogoBytes+1))
		file.Close()
		if err != nil {
			a.clientError(w, r, http.StatusBadRequest)
			return
		}
		if len(data) > 0 {
			in.Logo = data
		}
	}
	_, err = a.club.store.Update(r.Context(), actorFrom(r), in)
	if addDomainErrors(f, err, settingsLabels) {
		cur, gerr := a.club.store.Get(r.Context())
		if gerr != nil {
			a.serverError(w, r, gerr)
			return
		}
		a.render(w, r, http.StatusUnprocessableEntity, pageView(settingsView, settingsPage{Form: f, HasLogo: cur.HasLogo, Langs: a.settingsLangs(r)}))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.club.forget()
	a.flashSuccess(r, "SettingsSaved")
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
}

// clubLogo serves the club's logo (404 without one).
func (a *App) clubLogo(w http.ResponseWriter, r *http.Request) {
	data, typ, updated, err := a.club.store.Logo(r.Context())
	if errors.Is(err, club.ErrNoLogo) {
		a.notFound(w, r)
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", typ)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", strconv.Quote(strconv.FormatInt(updated.UnixNano(), 36)))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// clubTheme is the stylesheet that gives the pages the club's accent
// colour (a separate file: the Content-Security-Policy allows no inline
// styles). Without an accent it is empty.
func (a *App) clubTheme(w http.ResponseWriter, r *http.Request) {
	s := a.club.get(r.Context())
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	if s.Accent != "" {
		// Accent was checked against ^#[0-9a-f]{6}$ by the store and the database.
		fmt.Fprintf(w, ":root,[data-theme]{--color-primary:%s;--color-primary-content:#ffffff}\n", s.Accent)
	}
}
