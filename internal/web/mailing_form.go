package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"mila/internal/authz"
	"mila/internal/mail"
	"mila/internal/membership"
	"mila/internal/validate"
)

// mailingUploadMax bounds POST /mailings: the 10 MB of attachments and
// the form around them.
const mailingUploadMax = mail.MaxAttachmentBytes + 2<<20

func init() { largeBodies["POST /mailings"] = mailingUploadMax }

// Values of the mailing form's kind radio.
const (
	mailingKindNormal       = "normal"
	mailingKindNewsletter   = "newsletter"
	mailingKindClubBusiness = "club_business"
)

// mailingFormPage is what mailingFormView shows.
type mailingFormPage struct {
	Form         *Form
	Enabled      bool
	Groups       []membership.GroupChoice
	Chosen       []string // chosen group slugs
	MemberIDs    []string // a selection from the overview (hidden fields: at most a page of the overview)
	Overview     string   // the overview view written to ("/members?...": one hidden field, resolved again on every submit)
	OverviewText string   // what that view shows, for the recipients fieldset
	Recipients   mail.Recipients
	Placeholders []string
	Preview      *mail.Rendered
	PreviewAs    mail.Recipient
	TestSent     bool
	Draft        string                 // the draft id: files kept with the form
	Files        []mail.DraftFile       // files kept with the draft
	Lists        []membership.SavedList // saved lists the author may choose
	ChosenLists  []string               // chosen saved list ids
	LabelsQuery  string                 // query of the no-email members' labels (/mailings/labels?...)
}

var mailingLabels = map[string]string{
	"subject":     "MailingFieldSubject",
	"body":        "MailingFieldBody",
	"kind":        "MailingFieldKind",
	"attachments": "MailingFieldAttachments",
	"recipients":  "MailingRecipients",
}

// mailingDraft reads the form (and, on the first visit, the query) into
// a draft. An overview view stays the overview's own query (validated
// here on every request, a malformed one is a 404), and the mail domain
// resolves it to its members whenever it resolves the draft — so the
// mailing reaches exactly what the list shows, and the form carries one
// hidden field instead of a member id per recipient.
func (a *App) mailingDraft(r *http.Request, v url.Values) (mail.Draft, *mailingFormPage, error) {
	p := &mailingFormPage{Form: newForm(v), Enabled: a.mailEnabled()}
	d := mail.Draft{
		Subject:       v.Get("subject"),
		Body:          v.Get("body"),
		Newsletter:    v.Get("kind") == mailingKindNewsletter,
		ClubBusiness:  v.Get("kind") == mailingKindClubBusiness,
		IncludeFormer: v.Get("include_former") == "true",
	}
	if p.Form.Get("kind") == "" {
		p.Form.Set("kind", mailingKindNormal)
	}
	// "Write to selected" comes from the overview's bulk bar, whose group
	// select is for the bulk actions, not for the mailing.
	groups := v["group"]
	if v.Get("from") == "selection" {
		groups = nil
	}
	for _, g := range groups {
		if g = strings.TrimSpace(g); g != "" && !slices.Contains(d.Groups, g) && len(d.Groups) < 1000 {
			d.Groups = append(d.Groups, g)
		}
	}
	for _, id := range v["member_id"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(d.MemberIDs, id) {
			if !validate.UUID(id) || len(d.MemberIDs) >= mail.MaxSelection {
				return d, p, ErrNotFound
			}
			d.MemberIDs = append(d.MemberIDs, id)
		}
	}
	if ov := v.Get("overview"); ov != "" {
		view, err := overviewView(ov)
		if err != nil {
			return d, p, err
		}
		d.Overview = &view
		p.Overview, p.OverviewText = view.URL, a.overviewViewText(r, view)
	}
	p.Chosen, p.MemberIDs = d.Groups, d.MemberIDs
	if err := a.mailingLists(r, v, &d, p); err != nil {
		return d, p, err
	}
	p.LabelsQuery = mailingLabelsQuery(v, d)
	return d, p, nil
}

// mailingListsMax bounds the saved lists one mailing is written to.
const mailingListsMax = 50

// mailingLists adds the chosen saved lists (list=<id>, repeated) to the
// draft as views, resolved like the overview's view — as live as a
// group. A list the author may not see (or that was deleted meanwhile)
// is an error on the recipients.
func (a *App) mailingLists(r *http.Request, v url.Values, d *mail.Draft, p *mailingFormPage) error {
	ctx, actor := r.Context(), actorFrom(r)
	for _, id := range v["list"] {
		if id = strings.TrimSpace(id); id == "" || slices.Contains(p.ChosenLists, id) {
			continue
		}
		if !validate.UUID(id) || len(p.ChosenLists) >= mailingListsMax {
			return ErrNotFound
		}
		p.ChosenLists = append(p.ChosenLists, id)
		l, err := a.lists.Get(ctx, actor, id)
		if errors.Is(err, membership.ErrNotFound) {
			p.Form.Add("recipients", "MailingRecipients", "ErrMailingListNotFound")
			continue
		}
		if err != nil {
			return err
		}
		d.Lists = append(d.Lists, mail.View{Query: l.Query, Name: l.Name})
	}
	return nil
}

// mailingLabelsQuery is the query of /mailings/labels for the draft's
// recipients: groups, saved lists, the overview view (resolved again, as
// the form does) or else the members chosen one by one.
func mailingLabelsQuery(v url.Values, d mail.Draft) string {
	q := url.Values{}
	for _, k := range []string{"group", "list", "overview", "include_former", "from"} {
		if vs, ok := v[k]; ok {
			q[k] = vs
		}
	}
	q["member_id"] = v["member_id"]
	return q.Encode()
}

// overviewViewMax bounds the overview address a mailing is written to.
const overviewViewMax = 2000

// overviewView reads an overview view ("/members?..." — the overview's
// own address, as its "Write mailing" link passes it) into the query the
// mail domain resolves; anything but an overview address is ErrNotFound.
// The query's values are read as the overview reads them (malformed
// ones become defaults), and the page, size and columns do not matter.
func overviewView(view string) (mail.View, error) {
	rawQuery, ok := strings.CutPrefix(view, "/members")
	if !ok || len(view) > overviewViewMax || (rawQuery != "" && rawQuery[0] != '?') || !utf8.ValidString(view) {
		return mail.View{}, ErrNotFound
	}
	q := memberQueryFromURL(parseOverviewQuery(strings.TrimPrefix(rawQuery, "?")))
	q.Page, q.PerPage, q.Columns = 0, 0, nil
	return mail.View{Query: q, URL: memberListURL(q)}, nil
}

// overviewViewText says what an overview view shows ("Active members ·
// Search: “Müller”"), in the viewer's language; groups by their name.
func (a *App) overviewViewText(r *http.Request, v mail.View) string {
	return a.describeOverview(r, v.Query, "")
}

// describeOverview describes the overview query q like the overview's
// own description (status, group, search), without its order; group is
// the filtered group's name ("" to look it up).
func (a *App) describeOverview(r *http.Request, q membership.MemberQuery, group string) string {
	T := func(id string, kv ...any) string { return a.T(r, id, kv...) }
	if group == "" && q.Group != "" && q.Group != membership.MemberGroupNone {
		group = q.Group
		if g, err := a.groups.GroupChoices(r.Context(), actorFrom(r)); err == nil {
			for _, c := range g {
				if c.Slug == q.Group {
					group = c.Name
				}
			}
		}
	}
	searching := strings.TrimSpace(q.Q) != ""
	q.Sort = membership.MemberSortName
	if searching {
		q.Sort = membership.MemberSortRelevance
	}
	q.Dir = membership.MemberDefaultDir(q.Sort)
	return strings.Join(memberViewDescription(T, q, searching, group, ""), " · ")
}

// fill completes the page: groups, recipients, placeholders.
func (a *App) fillMailingPage(r *http.Request, p *mailingFormPage, d mail.Draft) error {
	ctx, actor := r.Context(), actorFrom(r)
	if actor.Can(authz.Group, authz.Read) {
		g, err := a.groups.GroupChoices(ctx, actor)
		if err != nil {
			return err
		}
		p.Groups = g
	}
	ph, err := a.mail.mailings.Placeholders(ctx)
	if err != nil {
		return err
	}
	p.Placeholders = ph
	if actor.Can(authz.SavedList, authz.Read) && actor.Scope(authz.Member, authz.Read) == authz.All {
		if p.Lists, err = a.lists.List(ctx, actor); err != nil {
			return err
		}
	}
	if p.Draft != "" {
		if p.Files, err = a.mail.mailings.DraftFiles(ctx, actor, p.Draft); err != nil {
			return err
		}
	}
	rs, err := a.mail.mailings.Resolve(ctx, actor, d)
	if err != nil && !addDomainErrors(p.Form, err, mailingLabels) {
		return err
	}
	p.Recipients = rs
	return nil
}

// mailingNew shows the mailing form, with recipients from the query:
// group=<slug> (repeated), member_id=<id> (repeated: "Write to selected"),
// or overview=<the overview's query string>.
func (a *App) mailingNew(w http.ResponseWriter, r *http.Request) {
	d, p, err := a.mailingDraft(r, r.URL.Query())
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	p.Form = newForm(url.Values{"kind": {mailingKindNormal}})
	p.Form.Set("body", a.i18n.t(a.langOf(r), "MailingBodyStart"))
	p.Draft = mail.NewDraftID()
	if err := a.fillMailingPage(r, p, d); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, pageView(mailingFormView, *p))
}

// mailingSubmit previews the draft as a recipient, sends a test to the
// author, or sends the mailing (the button "do").
func (a *App) mailingSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		if statusFor(err) == http.StatusRequestEntityTooLarge {
			a.clientError(w, r, http.StatusRequestEntityTooLarge)
		} else {
			a.clientError(w, r, http.StatusBadRequest)
		}
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll() //nolint:errcheck
	}
	if r.PostForm == nil {
		if !a.parseForm(w, r) {
			return
		}
	}
	d, p, err := a.mailingDraft(r, r.PostForm)
	if err != nil {
		a.errorResponse(w, r, err)
		return
	}
	f := p.Form
	ctx, actor := r.Context(), actorFrom(r)
	removing := r.PostForm.Get("remove_attachment")
	if removing == "" {
		kind := f.Get("kind")
		f.Check(kind == mailingKindNormal || kind == mailingKindNewsletter || kind == mailingKindClubBusiness, "kind", "MailingFieldKind", "ErrRequired")
		f.Required("subject", "MailingFieldSubject")
		f.Required("body", "MailingFieldBody")
	}
	// Uploaded files are kept with the form's draft, so a preview, a test
	// or an error does not lose them; sending takes them to the mailing.
	p.Draft = r.PostForm.Get("draft")
	if p.Draft == "" {
		p.Draft = mail.NewDraftID()
	} else if !validate.UUID(p.Draft) {
		a.errorResponse(w, r, ErrNotFound)
		return
	}
	d.DraftID = p.Draft
	if r.MultipartForm != nil {
		atts, ok := readAttachments(r.MultipartForm.File["attachments"])
		f.Check(ok, "attachments", "MailingFieldAttachments", mail.MsgAttachmentsTooBig, "MB", mail.MaxAttachmentBytes>>20)
		if ok {
			err := a.mail.mailings.AddDraftFiles(ctx, actor, p.Draft, atts)
			if err != nil && !addDomainErrors(f, err, mailingLabels) {
				a.errorResponse(w, r, err)
				return
			}
		}
	}
	if removing != "" {
		// A file already gone (a second click) leaves the list as it is.
		if err := a.mail.mailings.RemoveDraftFile(ctx, actor, p.Draft, removing); err != nil && !errors.Is(err, mail.ErrNotFound) {
			a.errorResponse(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if removing == "" && f.Valid() {
		switch r.PostForm.Get("do") {
		case "send":
			id, err := a.mail.mailings.Create(ctx, actor, d, func(memberID, tok string) string {
				return a.absURL(r, "/unsubscribe?m="+memberID+"&t="+tok)
			})
			switch {
			case err == nil:
				a.flashSuccess(r, "MailingQueued")
				http.Redirect(w, r, "/mailings/"+id, http.StatusSeeOther)
				return
			case errors.Is(err, mail.ErrNotSetUp):
				f.Add("recipients", "MailingRecipients", mail.MsgNotSetUp)
			case !addDomainErrors(f, err, mailingLabels):
				a.errorResponse(w, r, err)
				return
			}
		case "test":
			err := a.mail.mailings.SendTest(ctx, actor, d, f.Get("preview_member"))
			switch {
			case err == nil:
				p.TestSent = true
			case errors.Is(err, mail.ErrNotSetUp):
				f.Add("recipients", "MailingRecipients", mail.MsgNotSetUp)
			case !addDomainErrors(f, err, mailingLabels):
				a.errorResponse(w, r, err)
				return
			}
			fallthrough
		default: // preview
			out, who, err := a.mail.mailings.Preview(ctx, actor, d, f.Get("preview_member"))
			switch {
			case err == nil:
				p.Preview, p.PreviewAs = &out, who
				f.Set("preview_member", who.MemberID)
			case !addDomainErrors(f, err, mailingLabels):
				a.errorResponse(w, r, err)
				return
			}
		}
	}
	if !f.Valid() {
		status = http.StatusUnprocessableEntity
	}
	if err := a.fillMailingPage(r, p, d); err != nil {
		a.errorResponse(w, r, err)
		return
	}
	a.render(w, r, status, pageView(mailingFormView, *p))
}

// readAttachments reads the uploaded files; false when they are too big together.
func readAttachments(files []*multipart.FileHeader) ([]mail.Attachment, bool) {
	var out []mail.Attachment
	total := int64(0)
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		total += fh.Size
		if total > mail.MaxAttachmentBytes || len(out) >= mail.MaxAttachments {
			return nil, false
		}
		fd, err := fh.Open()
		if err != nil {
			return nil, false
		}
		data, err := io.ReadAll(io.LimitReader(fd, mail.MaxAttachmentBytes+1))
		fd.Close()
		if err != nil {
			return nil, false
		}
		name := strings.TrimSpace(validate.Clean(fh.Filename))
		if name == "" {
			name = "attachment"
		}
		if r := []rune(name); len(r) > 200 {
			name = string(r[:200])
		}
		ct := fh.Header.Get("Content-Type")
		if ct == "" || len(ct) > 200 || strings.ContainsAny(ct, "\r\n") {
			ct = "application/octet-stream"
		}
		out = append(out, mail.Attachment{Filename: name, ContentType: ct, Data: data})
	}
	return out, true
}

// previewChoicesMax bounds the "Preview as" list: a mailing to thousands
// offers the first ones (and the one chosen), not a page of thousands.
const previewChoicesMax = 200

func previewChoices(all []mail.Recipient, chosen string) []mail.Recipient {
	if len(all) <= previewChoicesMax {
		return all
	}
	out := slices.Clone(all[:previewChoicesMax])
	if i := slices.IndexFunc(all, func(r mail.Recipient) bool { return r.MemberID == chosen }); i >= previewChoicesMax {
		out = append(out, all[i])
	}
	return out
}
