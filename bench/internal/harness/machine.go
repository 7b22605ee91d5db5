package harness

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// MachineLine describes the machine: CPUs, model, memory, kernel, and the
// load average when called (other work on the machine skews figures).
func MachineLine() string {
	model := procField("/proc/cpuinfo", "model name")
	model = strings.TrimSpace(strings.TrimPrefix(model, ":"))
	mem := ""
	if kb := parseKB(procField("/proc/meminfo", "MemTotal:")); kb > 0 {
		mem = fmt.Sprintf("%.1f GB RAM", float64(kb)/(1<<20))
	}
	kernel, _ := exec.Command("uname", "-sr").Output()
	load, _ := os.ReadFile("/proc/loadavg")
	la := strings.Fields(string(load))
	if len(la) > 3 {
		la = la[:3]
	}
	return fmt.Sprintf("%d CPUs (nproc), %s, %s, %s; load average at start %s", runtime.NumCPU(), model, mem,
		strings.TrimSpace(string(kernel)), strings.Join(la, " "))
}

// ProcStatus reads a field of /proc/<pid>/status (VmRSS, VmHWM) in bytes;
// 0 when the process or field is gone.
func ProcStatus(pid int, field string) int64 {
	return parseKB(procField(fmt.Sprintf("/proc/%d/status", pid), field+":")) << 10
}

// procField returns what follows prefix on the first line of file that
// starts with it ("" if none).
func procField(file, prefix string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// parseKB parses "123456 kB" (or a bare number) as kilobytes.
func parseKB(v string) int64 {
	kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
	return kb
}
