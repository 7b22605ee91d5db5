package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// Garbage collector settings for `mila serve`, unless the operator set
// GOGC or GOMEMLIMIT (the Go runtime reads those itself and they win).
//
// Mila's live heap is small (about 10 MB: templates, translations, pool)
// while every page allocates a few hundred KB that is garbage as soon as
// it is written. With Go's default (GOGC=100) the collector ran every
// 10–15 member overviews and one request in five paid for it, which
// doubled the overview's 95th percentile (docs/PERFORMANCE.md). Letting
// the heap grow to four times the live data before collecting makes that
// rare; the memory limit keeps the process well under the 150 MB budget
// when something large (a 10,000-member bulk request) is in flight, by
// collecting earlier instead of growing.
const (
	serveGCPercent   = 300       // the default GOGC of `mila serve`: GOGC=300
	serveMemoryLimit = 100 << 20 // the default GOMEMLIMIT of `mila serve`: GOMEMLIMIT=100MiB
)

// gcHelp is the paragraph of `mila serve --help` that states the defaults.
var gcHelp = fmt.Sprintf("Go's garbage collector runs with GOGC=%d and GOMEMLIMIT=%dMiB unless those\n"+
	"environment variables are set: it collects when the heap has grown to four\n"+
	"times the live data, and sooner near the limit.", serveGCPercent, serveMemoryLimit>>20)

// tuneGC sets GOGC=300 and GOMEMLIMIT=100MiB (serveGCPercent,
// serveMemoryLimit) where the environment does not set them.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
