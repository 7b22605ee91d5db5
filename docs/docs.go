// Package docs holds the documentation that Mila also shows itself: the
// user guide in English and German, embedded in the binary so that the
// Help page needs nothing from the disk.
package docs

import _ "embed"

// GuideEN and GuideDE are the user guide (GUIDE.md, GUIDE.de.md) as
// Markdown.
var (
	//go:embed GUIDE.md
	GuideEN string
	//go:embed GUIDE.de.md
	GuideDE string
)
