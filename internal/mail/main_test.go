package mail_test

import (
	"testing"

	"mila/internal/testpg"
)

func TestMain(m *testing.M) { testpg.Main(m) }
