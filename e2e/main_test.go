// Package e2e holds Mila's browser tests: the whole app on httptest with a
// fresh PostgreSQL database (internal/webtest), driven through Debian's
// Chromium (internal/browsertest), with axe-core on every page visited.
package e2e

import (
	"testing"

	"mila/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }
