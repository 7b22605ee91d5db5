package web

import (
	"net/http"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/membership"
	"mila/internal/privacy"
)

// memberShowPage is what memberShowView shows.
type memberShowPage struct {
	Member    membership.Member
	Custom    []memberCustomView
	Former    bool
	CanEdit   bool
	CanDelete bool
	Deletion  membership.MemberDeletion
	// Linking users (admins only).
	CanLink   bool
	Linkable  []membership.MemberUserOption
	LinkForm  *Form
	LinkError string // translated problem with the link form
	// LinkConfirm: linking the chosen user changes the member's email;
	// the page asks first (member_link.go).
	LinkConfirm *membership.LinkNeedsConfirm
	// SharedEmail: other members with the same email (a household) the
	// viewer may read.
	SharedEmail []membership.MemberRef
	// The personal data section (member_erase.templ): access export, erasure.
	CanExport, CanErase bool
	// Groups is the member's groups section (group_member.go).
	Groups groupMemberSection
	// Mailings the member received, for those who may read mailings
	// (nil: not shown; mailing_extra.go).
	Mailings []memberMailing
	// History: periods in the club and memberships over time (history_member.go).
	History *memberHistorySection
}

// memberCustomView is one custom field on the detail page.
type memberCustomView struct {
	Name, Value, Description string
}

// memberShow shows one member. own_data users reach only their own; any
// other id is a 404 for them, as if it did not exist.
func (a *App) memberShow(w http.ResponseWriter, r *http.Request) {
	a.renderMemberShow(w, r, http.StatusOK, nil, "")
}

// renderMemberShow renders the detail page, with the link form's values
// and problem after a failed link.
func (a *App) renderMemberShow(w http.ResponseWriter, r *http.Request, status int, linkForm *Form, linkError string) {
	a.renderMemberShowWith(w, r, status, linkForm, linkError, nil)
}

// renderMemberShowWith is renderMemberShow with the question whether a
// link that changes the member's email is meant.
func (a *App) renderMemberShowWith(w http.ResponseWriter, r *http.Request, status int, linkForm *Form, linkError string, confirm *membership.LinkNeedsConfirm) {
	actor := actorFrom(r)
	ctx := r.Context()
	m, err := a.members.Get(ctx, actor, r.PathValue("id"))
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	fields, err := a.fields.Definitions(ctx, actor)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p := memberShowPage{
		Member:      m,
		Former:      !m.Active(time.Now()),
		CanEdit:     actor.CanOnMember(authz.Member, authz.Update, m.ID),
		CanDelete:   actor.CanOnMember(authz.Member, authz.Destroy, m.ID),
		CanLink:     membership.CanLinkUsers(actor),
		LinkForm:    linkForm,
		LinkError:   linkError,
		LinkConfirm: confirm,
		CanExport:   privacy.CanExport(actor, m.ID),
		CanErase:    privacy.CanErase(actor),
	}
	if actor.CanOnMember(authz.CustomFieldValue, authz.Read, m.ID) {
		for _, f := range fields {
			p.Custom = append(p.Custom, memberCustomView{Name: f.Name, Description: f.Description,
				Value: a.memberCustomDisplay(r, f, m.Custom[f.Slug])})
		}
	}
	if p.CanDelete {
		if p.Deletion, err = a.members.DeletionPreviewOf(ctx, actor, m); err != nil {
			a.errorResponse(w, r, err)
			return
		}
	}
	if p.CanLink && m.UserID == "" {
		if p.Linkable, err = a.members.LinkableUsers(ctx, actor); err != nil {
			a.errorResponse(w, r, err)
			return
		}
	}
	if p.SharedEmail, err = a.members.SharedEmail(ctx, actor, m.Email, m.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if p.Groups, err = a.groupMemberSectionFor(r, actor, m); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if p.Mailings, err = a.memberMailings(r, actor, m.ID); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if p.History, err = a.memberHistoryFor(r, actor, m); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	if p.LinkForm == nil {
		p.LinkForm = newForm(nil)
	}
	a.render(w, r, status, pageView(memberShowView, p))
}

// telURI is a tel: link for a phone number as people write it
// ("0351 / 123 45-6", "+49 (0) 351 12345"): the digits, with a leading +
// kept and a "(0)" after a country code dropped. "" when there are fewer
// than three digits or letters in it (a note, not a number).
func telURI(phone string) string {
	p := strings.ReplaceAll(phone, "(0)", "")
	var b strings.Builder
	b.WriteString("tel:")
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && digits == 0 && strings.TrimSpace(p[:i]) == "":
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '/' || r == '(' || r == ')' || r == '.':
		default:
			return ""
		}
	}
	if digits < 3 {
		return ""
	}
	return b.String()
}
