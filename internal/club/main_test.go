package club

import (
	"testing"

	"mila/internal/testpg"
)

// TestMain gives the package's tests one throwaway PostgreSQL cluster.
func TestMain(m *testing.M) { testpg.Main(m) }
