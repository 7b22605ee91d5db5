package harness

import "testing"

// TestMarkerTarget: a data directory inside the output directory is kept
// relative to it (a copied output directory is the same data set); other
// targets are kept as they are.
func TestMarkerTarget(t *testing.T) {
	for _, c := range []struct{ dir, target, want string }{
		{"/work/main/bench/out", "/work/main/bench/out/data", "data"},
		{"/work/wt-a/bench/out", "/work/wt-a/bench/out/data", "data"},
		{"/work/main/bench/out", "/srv/pg", "/srv/pg"},
		{"/work/main/bench/out", "/work/main/bench/outside", "/work/main/bench/outside"},
		{"/work/main/bench/out", "data", "data"},
		{"/work/main/bench/out", "localhost:5432/mila", "localhost:5432/mila"},
	} {
		if got := markerTarget(c.dir, c.target); got != c.want {
			t.Errorf("markerTarget(%q, %q) = %q, want %q", c.dir, c.target, got, c.want)
		}
	}
}
