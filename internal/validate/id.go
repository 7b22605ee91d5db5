package validate

import "regexp"

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// UUID reports whether s is a well-formed UUID. Every record id in Mila
// is one; check it before a query so that a malformed id in a URL or a
// form is answered as "not found", never as a database error (PostgreSQL
// refuses it as a uuid argument). accounts and membership share it.
func UUID(s string) bool { return uuidRE.MatchString(s) }
