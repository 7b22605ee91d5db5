package web

import "net/http"

// homeShow is the start page: a welcome; the header's navigation leads
// to the pages the actor may use.
func (a *App) homeShow(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, homeView)
}
