package web

import (
	"net/http"
	"strconv"

	"mila/internal/authz"
)

// memberHistoryPage is the History tab of a member's page.
type memberHistoryPage struct {
	MemberID, Name string
	Entries        []auditEntryView
	NextURL        string
	First          bool
	CanAudit       bool // admins: link an entry to its page in the trail
}

// memberHistory shows who changed what about one member, newest first —
// for whoever may read the member, only the kinds of change they may
// read (audit.HistoryEntities).
func (a *App) memberHistory(w http.ResponseWriter, r *http.Request) {
	actor := actorFrom(r)
	ctx := r.Context()
	m, err := a.members.Get(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
			a.clientError(w, r, http.StatusBadRequest)
			return
		}
	}
	pg, err := a.audit.History(ctx, actor, m.ID, before)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	names, err := a.auditFieldNames(r)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := memberHistoryPage{MemberID: m.ID, Name: m.Name(), First: before == 0, CanAudit: actor.Can(authz.Audit, authz.Read)}
	for _, e := range pg.Entries {
		p.Entries = append(p.Entries, a.auditEntry(r, e, names, 1))
	}
	if pg.Next > 0 {
		p.NextURL = "/members/" + m.ID + "/history?before=" + strconv.FormatInt(pg.Next, 10)
	}
	a.render(w, r, http.StatusOK, pageView(memberHistoryView, p))
}
