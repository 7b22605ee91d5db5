package web

import (
	"net/http"
	"net/url"

	"mila/internal/membership"
)

// groupFormPage is what groupFormView shows, for both a new group and an
// existing one.
type groupFormPage struct {
	Form  *Form
	Group *membership.Group // nil for a new group
}

// groupNew shows the empty form for a new group.
func (a *App) groupNew(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, pageView(groupFormView, groupFormPage{Form: newForm(nil)}))
}

// groupCreate creates a group from the form and shows its page; on invalid
// input the form comes back (422) with the typed values and the errors.
func (a *App) groupCreate(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	f := groupFormFrom(r.PostForm)
	g, err := a.groups.CreateGroup(r.Context(), actorFrom(r), membership.GroupInput{
		Name: f.Values.Get("name"), Description: f.Values.Get("description"),
	})
	if addDomainErrors(f, err, groupFieldLabels) {
		a.render(w, r, http.StatusUnprocessableEntity, pageView(groupFormView, groupFormPage{Form: f}))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "GroupCreated", "Name", g.Name)
	http.Redirect(w, r, groupPath(g.Slug, 1), http.StatusSeeOther)
}

// groupEdit shows the form filled with the group's name and description.
func (a *App) groupEdit(w http.ResponseWriter, r *http.Request) {
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	f := newForm(url.Values{"name": {g.Name}, "description": {g.Description}})
	a.render(w, r, http.StatusOK, pageView(groupFormView, groupFormPage{Form: f, Group: &g}))
}

// groupUpdate saves the name and description. The slug stays, so the
// group's address (and every link to it) does not change.
func (a *App) groupUpdate(w http.ResponseWriter, r *http.Request) {
	g, ok := a.groupFromPath(w, r)
	if !ok {
		return
	}
	if !a.parseForm(w, r) {
		return
	}
	f := groupFormFrom(r.PostForm)
	saved, err := a.groups.UpdateGroup(r.Context(), actorFrom(r), g.ID, membership.GroupInput{
		Name: f.Values.Get("name"), Description: f.Values.Get("description"),
	})
	if addDomainErrors(f, err, groupFieldLabels) {
		a.render(w, r, http.StatusUnprocessableEntity, pageView(groupFormView, groupFormPage{Form: f, Group: &g}))
		return
	}
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.flashSuccess(r, "GroupSaved", "Name", saved.Name)
	http.Redirect(w, r, groupPath(saved.Slug, 1), http.StatusSeeOther)
}

// groupFormFrom keeps only the form's own fields, so a re-rendered form
// shows exactly what was typed into them.
func groupFormFrom(v url.Values) *Form {
	return newForm(url.Values{"name": {v.Get("name")}, "description": {v.Get("description")}})
}
