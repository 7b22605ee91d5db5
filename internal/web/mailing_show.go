package web

import (
	"errors"
	"net/http"
	"strconv"

	"mila/internal/authz"
	"mila/internal/mail"
)

// mailingListPage is what mailingListView shows.
type mailingListPage struct {
	Mailings  []mail.Summary
	Enabled   bool
	CanCreate bool
}

// mailingList shows the newest mailings.
func (a *App) mailingList(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	list, err := a.mail.mailings.List(r.Context(), actor, 200)
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(mailingListView, mailingListPage{Mailings: list, Enabled: a.mailEnabled(),
		CanCreate: actor.Can(authz.Mailing, authz.Create)}))
}

// mailingShowPage is what mailingShowView shows.
type mailingShowPage struct {
	Mailing   mail.Mailing
	Sources   []string // where the recipients came from, a line each
	Messages  []mail.Entry
	Filter    string // state the message list is filtered by ("" all)
	Page      int
	More      bool
	CanUpdate bool
}

const mailingMessagesPerPage = 100

// mailingShow shows a mailing: its text, live progress, the messages
// with their outcome and the members it did not go to.
func (a *App) mailingShow(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), actorFrom(r)
	m, err := a.mail.mailings.Get(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = min(max(page, 1), 10_000)
	filter := r.URL.Query().Get("state")
	msgs, err := a.mail.mailings.Messages(ctx, actor, m.ID, filter, mailingMessagesPerPage+1, (page-1)*mailingMessagesPerPage)
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	more := len(msgs) > mailingMessagesPerPage
	if more {
		msgs = msgs[:mailingMessagesPerPage]
	}
	a.render(w, r, http.StatusOK, pageView(mailingShowView, mailingShowPage{Mailing: m, Sources: a.mailingSources(r, m.Source),
		Messages: msgs, Filter: filter, Page: page, More: more, CanUpdate: actor.Can(authz.Mailing, authz.Update)}))
}

// mailingSources says where a mailing's recipients came from, a line
// each, in the viewer's language: "Group Jugend U14", "Member overview:
// Active members · Search: “Müller”", "Saved list Vorstand", "Selection
// of 12 members". Mailings queued before the source kept names and the
// selection's size show what they kept (group slugs, "members").
func (a *App) mailingSources(r *http.Request, src map[string]any) []string {
	var out []string
	groups := sourceStrings(src[mail.SourceGroupNames])
	if _, ok := src[mail.SourceGroupNames]; !ok {
		groups = sourceStrings(src[mail.SourceGroups])
	}
	for _, g := range groups {
		out = append(out, a.T(r, "MailingSourceGroup", "Name", g))
	}
	overview, _ := src[mail.SourceOverview].(string)
	if overview != "" {
		if v, err := overviewView(overview); err == nil {
			group, _ := src[mail.SourceOverviewGroup].(string)
			out = append(out, a.T(r, "MailingSourceOverview", "View", a.describeOverview(r, v.Query, group)))
		}
	}
	lists := sourceStrings(src[mail.SourceLists])
	for _, l := range lists {
		out = append(out, a.T(r, "MailingSourceList", "Name", l))
	}
	n, ok := src[mail.SourceSelection].(float64)
	if !ok && overview == "" && len(lists) == 0 {
		n, _ = src["members"].(float64)
	}
	if n > 0 {
		out = append(out, a.TN(r, "MailingSourceSelection", int(n)))
	}
	return out
}

// sourceStrings reads a list of strings from a mailing's JSON source.
func sourceStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// mailingProgressPage is the live part of a mailing's page.
type mailingProgressPage struct {
	ID        string
	State     string
	Counts    mail.Counts
	CanUpdate bool
}

// mailingProgress is the progress fragment htmx polls while a mailing sends.
func (a *App) mailingProgress(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	state, c, err := a.mail.mailings.Progress(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.mailingError(w, r, err)
		return
	}
	// A bare frame: polling must not take the page's flash messages.
	v := pageView(mailingProgressView, mailingProgressPage{ID: r.PathValue("id"), State: state, Counts: c,
		CanUpdate: actor.Can(authz.Mailing, authz.Update)})
	if err := a.write(w, r, http.StatusOK, a.bareFrame(r), v); err != nil && r.Context().Err() == nil {
		a.serverError(w, r, err)
	}
}

// mailingAction pauses, resumes, cancels or retries a mailing.
func (a *App) mailingAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { a.mailingDo(w, r, action) }
}

func (a *App) mailingDo(w http.ResponseWriter, r *http.Request, action string) {
	if !a.parseForm(w, r) {
		return
	}
	ctx, actor, id := r.Context(), actorFrom(r), r.PathValue("id")
	var err error
	var okID string
	var n int64
	switch action {
	case "pause":
		err, okID = a.mail.mailings.Pause(ctx, actor, id), "MailingPaused"
	case "resume":
		err, okID = a.mail.mailings.Resume(ctx, actor, id), "MailingResumed"
	case "cancel":
		err, okID = a.mail.mailings.Cancel(ctx, actor, id), "MailingCancelled"
	case "retry":
		n, err = a.mail.mailings.Retry(ctx, actor, id, r.PostForm.Get("unknown") == "true")
		okID = "MailingRetried"
	default:
		a.notFound(w, r)
		return
	}
	switch {
	case err == nil:
		a.flashSuccessN(r, okID, int(n))
	case errors.Is(err, mail.ErrState):
		a.flashError(r, "MailingStateChanged")
	default:
		a.mailingError(w, r, err)
		return
	}
	http.Redirect(w, r, "/mailings/"+id, http.StatusSeeOther)
}

// mailingError maps the mail package's errors to pages.
func (a *App) mailingError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, mail.ErrNotFound) {
		a.notFound(w, r)
		return
	}
	a.errorResponse(w, r, err)
}
