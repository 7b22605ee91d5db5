package harness

import (
	"os"
	"strings"
	"testing"
)

func TestMachineLineAndProcStatus(t *testing.T) {
	line := MachineLine()
	if !strings.Contains(line, "CPUs (nproc)") || !strings.Contains(line, "GB RAM") {
		t.Errorf("machine line %q", line)
	}
	if rss := ProcStatus(os.Getpid(), "VmRSS"); rss < 1<<20 {
		t.Errorf("own VmRSS = %d bytes", rss)
	}
	if n := ProcStatus(os.Getpid(), "NoSuchField"); n != 0 {
		t.Errorf("missing field = %d", n)
	}
}
