package web

import (
	"net/http"
	"strings"
	"time"

	"mila/internal/authz"
	"mila/internal/membership"
)

// memberRoutes registers the member register: the overview,
// the member pages, linking users, and the custom data fields admin.
// The guard checks the resource and action; the domain actions check the
// scope again (own_data: only the linked member).
func (a *App) memberRoutes(mux *http.ServeMux) {
	a.route(mux, "GET /members", authz.Member, authz.Read, a.memberList)
	a.route(mux, "GET /members/new", authz.Member, authz.Create, a.memberNew)
	a.route(mux, "POST /members", authz.Member, authz.Create, a.memberCreate)
	a.route(mux, "GET /members/{id}", authz.Member, authz.Read, a.memberShow)
	a.route(mux, "GET /members/{id}/edit", authz.Member, authz.Update, a.memberEdit)
	a.route(mux, "POST /members/{id}", authz.Member, authz.Update, a.memberUpdate)
	a.route(mux, "GET /members/{id}/delete", authz.Member, authz.Destroy, a.memberDeleteConfirm)
	a.route(mux, "POST /members/{id}/delete", authz.Member, authz.Destroy, a.memberDelete)
	a.route(mux, "POST /members/{id}/user", authz.User, authz.Update, a.memberLinkUser)
	a.route(mux, "POST /members/{id}/user/unlink", authz.User, authz.Update, a.memberUnlinkUser)

	a.route(mux, "GET /admin/fields", authz.CustomField, authz.Create, a.fieldList)
	a.route(mux, "GET /admin/fields/new", authz.CustomField, authz.Create, a.fieldNew)
	a.route(mux, "POST /admin/fields", authz.CustomField, authz.Create, a.fieldCreate)
	a.route(mux, "GET /admin/fields/{id}/edit", authz.CustomField, authz.Update, a.fieldEdit)
	a.route(mux, "POST /admin/fields/{id}", authz.CustomField, authz.Update, a.fieldUpdate)
	a.route(mux, "GET /admin/fields/{id}/delete", authz.CustomField, authz.Destroy, a.fieldDeleteConfirm)
	a.route(mux, "POST /admin/fields/{id}/delete", authz.CustomField, authz.Destroy, a.fieldDelete)
}

// memberFieldLabels are the label ids of the member form's fields, also
// used to name a field in the error summary.
var memberFieldLabels = map[string]string{
	"first_name":   "MemberFieldFirstName",
	"last_name":    "MemberFieldLastName",
	"email":        "MemberFieldEmail",
	"phone":        "MemberFieldPhone",
	"street":       "MemberFieldStreet",
	"house_number": "MemberFieldHouseNumber",
	"postal_code":  "MemberFieldPostalCode",
	"city":         "MemberFieldCity",
	"country":      "MemberFieldCountry",
	"join_date":    "MemberFieldJoinDate",
	"exit_date":    "MemberFieldExitDate",
	"notes":        "MemberFieldNotes",
	"user_id":      "MemberFieldUser",
}

// memberCustomDisplay formats a stored custom value for reading: dates
// in the viewer's format, booleans as yes, everything else as stored.
func (a *App) memberCustomDisplay(r *http.Request, f membership.CustomField, value string) string {
	switch {
	case f.ValueType == membership.CustomFieldBoolean:
		// Only a ticked box is stored: no value reads as "No".
		if value == "true" {
			return a.T(r, "MemberYes")
		}
		return a.T(r, "MemberNo")
	case value == "":
		return ""
	case f.ValueType == membership.CustomFieldDate:
		if t, err := time.Parse("2006-01-02", value); err == nil {
			return formatDate(a.langOf(r), t)
		}
	}
	return value
}

// memberLinkedOnly reports whether the actor sees only their own linked
// member (own_data): they get their record instead of the overview.
func memberLinkedOnly(actor authz.Actor) bool {
	return actor.Scope(authz.Member, authz.Read) == authz.Linked
}

// memberTypeLabel is the message id naming a custom field's value type.
func memberTypeLabel(valueType string) string {
	if valueType == "" {
		return "FieldTypeString"
	}
	return "FieldType" + strings.ToUpper(valueType[:1]) + valueType[1:]
}
