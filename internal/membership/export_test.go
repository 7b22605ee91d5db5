package membership

// Internals for the tests in package membership_test (which may import
// packages that import membership, such as internal/demo).

var (
	SearchReference   = searchReference
	SearchReferenceIn = searchReferenceIn
)
