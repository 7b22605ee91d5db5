package harness

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 100 * time.Millisecond, 95: 190 * time.Millisecond, 99: 198 * time.Millisecond, 100: 200 * time.Millisecond, 0: time.Millisecond} {
		if got := Percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
	if got := Percentile([]time.Duration{3, 1, 2}, 50); got != 2 {
		t.Errorf("unsorted p50 = %v", got)
	}
}

func TestEnvDropsTheShellsDatabase(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://elsewhere/x")
	t.Setenv("MILA_LISTEN", ":1")
	env := Env("MILA_DATA_DIR=/d")
	for _, kv := range env {
		if strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "MILA_LISTEN=") {
			t.Errorf("%s passed on", kv)
		}
	}
	if !slices.Contains(env, "MILA_DATA_DIR=/d") {
		t.Error("extra variable missing")
	}
}
