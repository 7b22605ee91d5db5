package membership

import (
	"testing"

	"mila/internal/testpg"
)

// TestMain gives the package's tests one throwaway PostgreSQL cluster;
// each test takes a fresh database from it with testpg.New.
func TestMain(m *testing.M) { testpg.Main(m) }
