package web

import "net/http"

// homeShow is the start page. For now it welcomes the visitor; once
// accounts exist it leads to the pages the actor may use.
func (a *App) homeShow(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, homeView)
}
