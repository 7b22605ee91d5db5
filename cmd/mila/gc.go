package main

import (
	"fmt"
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
	serveGCPercent   = 1200      // the default GOGC of `mila serve`: GOGC=1200
	serveMemoryLimit = 100 << 20 // the default GOMEMLIMIT of `mila serve`: GOMEMLIMIT=100MiB
)

// gcHelp is the paragraph of `mila serve --help` that states the defaults.
var gcHelp = fmt.Sprintf("Go's garbage collector runs with GOGC=%d and GOMEMLIMIT=%dMiB unless those\n"+
	"environment variables are set: it collects when the heap has grown to thirteen\n"+
	"times the live data, and sooner near the limit.", serveGCPercent, serveMemoryLimit>>20)

// tuneGC sets GOGC=1200 and GOMEMLIMIT=100MiB (serveGCPercent,
// serveMemoryLimit) where the environment does not set them.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
