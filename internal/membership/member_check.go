package membership

import (
	"time"

	"mila/internal/validate"
)

// CheckedMember is a MemberInput that passed the member form's checks, in
// the canonical form the store writes: trimmed text, dates as dates,
// custom values by slug in their type's canonical text ("" for none).
type CheckedMember struct {
	FirstName, LastName, Email, Phone, Street, HouseNumber string
	PostalCode, City, Country, Notes                       string
	JoinDate                                               time.Time
	ExitDate                                               *time.Time
	Custom                                                 map[string]string
}

// CheckMember runs the member form's own validation on in — the rules of
// Create and Update that need no database — so that a bulk writer (the
// import) accepts exactly what the form accepts. fields are the custom
// fields; every one of them is checked (a missing value counts as empty).
// today is the join date of an input without one. Problems come back
// keyed by form field name ("email", "cf_<slug>"), as Create reports them.
// What needs the database (a taken email or unique value) is the caller's
// to check.
func CheckMember(in MemberInput, fields []CustomField, today time.Time) (CheckedMember, validate.Errors) {
	v, e := in.check(fields, today, true)
	c := CheckedMember{
		FirstName: v.firstName, LastName: v.lastName, Phone: v.phone, Street: v.street,
		HouseNumber: v.houseNumber, PostalCode: v.postalCode, City: v.city, Country: v.country,
		Notes: v.notes, JoinDate: v.joinDate, ExitDate: v.exitDate,
		Custom: make(map[string]string, len(v.custom)),
	}
	if v.email != nil {
		c.Email = *v.email
	}
	for _, w := range v.custom {
		c.Custom[w.slug] = w.value
	}
	return c, e
}
