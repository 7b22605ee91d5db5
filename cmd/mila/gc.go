package main

import (
	"os"
	"runtime/debug"
)

// Garbage collector settings for `mila serve`, unless the operator set
// GOGC or GOMEMLIMIT (the Go runtime reads those itself and they win).
//
// Mila's live heap is small (about 3 MB: translations, assets, pool; the
// views are compiled code) while every page allocates a few hundred KB
// that is garbage as soon as it is written. The collector starts a cycle
// when the heap has grown by GOGC percent of the live data: with Go's
// default (GOGC=100) that was every few member overviews, and the
// requests that ran beside a cycle were what set the overview's 95th
// percentile (docs/PERFORMANCE.md). Letting the heap grow to about 40 MB
// (thirteen times the live data) before collecting makes that rare; the
// memory limit keeps the process well under the 150 MB budget when
// something large (a 10,000-member bulk request) is in flight, by
// collecting earlier instead of growing.
const (
	serveGCPercent   = 1200
	serveMemoryLimit = 100 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
