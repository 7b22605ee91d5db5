package web

import (
	"net/http"
	"time"
)

// langSwitch sets the lang cookie and goes back to the page the viewer came
// from. The header uses POST (a small form per language); GET
// /lang?l=de&return_to=/members works too, for links. return_to must be a
// path on this site: anything else goes to the home page.
func (a *App) langSwitch(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	lang := r.Form.Get("l")
	if !isLang(lang) {
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     langCookie,
		Value:    lang,
		Path:     "/",
		MaxAge:   int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true,
		Secure:   a.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, safeReturnTo(r.Form.Get("return_to")), http.StatusSeeOther)
}
