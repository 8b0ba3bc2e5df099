package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// procMemory returns a memory figure of a process in bytes from /proc/PID/status: field is VmRSS
// (resident now), VmHWM (peak resident), etc.
func procMemory(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// TestReadRSS checks that readRSS reads this process's resident memory in bytes, as
// /proc/PID/status has it in kB: read a moment apart the two may differ a little, not by the
// factor of 1024 or a page size that a wrong unit gives.
func TestReadRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc here")
	}
	rss := readRSS(os.Getpid())
	status, err := procMemory(os.Getpid(), "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || rss > 2*status || status > 2*rss {
		t.Errorf("readRSS = %d bytes, /proc/self/status VmRSS %d bytes", rss, status)
	}
	if readRSS(-1) != 0 {
		t.Error("readRSS of no process is not 0")
	}
}
