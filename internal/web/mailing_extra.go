package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"mila/internal/authz"
	"mila/internal/mail"
)

// optOutPage is what optOutView shows.
type optOutPage struct {
	MemberID, Token string
	Done            bool
}

// optOutShow asks to confirm an opt-out link. GET changes nothing: mail
// scanners open links.
func (a *App) optOutShow(w http.ResponseWriter, r *http.Request) {
	m, t := r.URL.Query().Get("m"), r.URL.Query().Get("t")
	if err := mail.CheckOptOutLink(r.Context(), a.db, m, t); err != nil {
		a.optOutError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(optOutView, optOutPage{MemberID: m, Token: t}))
}

// optOutSave records the opt-out: from the confirmation page, or as the
// one-click POST of a mail program (RFC 8058; the parameters are in the
// URL then). No sign-in: the HMAC in the link is the authority.
func (a *App) optOutSave(w http.ResponseWriter, r *http.Request) {
	if !a.parseForm(w, r) {
		return
	}
	m, t := r.Form.Get("m"), r.Form.Get("t")
	if err := mail.OptOut(r.Context(), a.db, m, t); err != nil {
		a.optOutError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(optOutView, optOutPage{Done: true}))
}

func (a *App) optOutError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, mail.ErrBadLink) {
		a.render(w, r, http.StatusNotFound, linkInvalidView)
		return
	}
	a.serverError(w, r, err)
}

// addressesPage is what mailingAddressesView shows.
type addressesPage struct {
	Addresses []string
	NoEmail   int
	Former    int
	WriteURL  string
}

// addressesWarnOver is where "Copy addresses" warns that providers refuse
// long BCC lists.
const addressesWarnOver = 50

// mailingAddresses lists the addresses of a group or an overview view,
// for pasting into a mail program's BCC.
func (a *App) mailingAddresses(w http.ResponseWriter, r *http.Request) {
	d, _, err := a.mailingDraft(r, r.URL.Query())
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	rs, err := a.mail.mailings.Resolve(r.Context(), actorFrom(r), d)
	if err != nil {
		if !addDomainErrors(newForm(nil), err, nil) {
			a.errorResponse(w, r, err)
			return
		}
		a.clientError(w, r, http.StatusBadRequest)
		return
	}
	p := addressesPage{NoEmail: len(rs.NoEmail), Former: rs.Former, WriteURL: "/mailings/new?" + r.URL.RawQuery}
	for _, rc := range rs.Send {
		p.Addresses = append(p.Addresses, rc.Email)
	}
	for _, rc := range rs.OptedOut {
		p.Addresses = append(p.Addresses, rc.Email)
	}
	a.render(w, r, http.StatusOK, pageView(mailingAddressesView, p))
}

// mailingQuickLinks are the "Copy addresses" and "Write mailing" links
// for a set of recipients (a group page, the overview).
type mailingQuickLinks struct {
	Show                bool
	CopyURL, MailingURL string
}

// quickLinks makes the links for a query (group=slug, or overview=...),
// for actors who may write mailings.
func quickLinks(actor authz.Actor, v url.Values) mailingQuickLinks {
	if !actor.Can(authz.Mailing, authz.Create) {
		return mailingQuickLinks{}
	}
	q := v.Encode()
	return mailingQuickLinks{Show: true, CopyURL: "/mailings/addresses?" + q, MailingURL: "/mailings/new?" + q}
}

func joinAddresses(a []string) string { return strings.Join(a, ", ") }

// memberMailing is a mailing on a member's page.
type memberMailing = mail.Received

// overviewQuickLinks are the quick links of the overview's current view
// (resultsURL is "/members?..." of that view).
func overviewQuickLinks(actor authz.Actor, resultsURL string) mailingQuickLinks {
	return quickLinks(actor, url.Values{"overview": {resultsURL}})
}

// memberMailings lists the mailings a member received, for actors who
// may read mailings (nil for others: the section is not shown).
func (a *App) memberMailings(r *http.Request, actor authz.Actor, memberID string) ([]memberMailing, error) {
	if !actor.Can(authz.Mailing, authz.Read) {
		return nil, nil
	}
	list, err := a.mail.mailings.ForMember(r.Context(), actor, memberID)
	if list == nil && err == nil {
		list = []memberMailing{}
	}
	return list, err
}
