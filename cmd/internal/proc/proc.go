// Package proc reads processes' CPU time from /proc, for the benchmark drivers that measure
// what a Meridian process (and the PostgreSQL it started) costs per event.
package proc

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// CPUSeconds is a process's user + system CPU time so far.
func CPUSeconds(pid int) (float64, error) {
	_, cpu, err := stat(strconv.Itoa(pid))
	return cpu, err
}

// stat reads a process's parent and its user + system CPU time so far from
// /proc/PID/stat.
func stat(pid string) (ppid int, cpu float64, err error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, 0, errors.New("short /proc stat")
	}
	ppid, err0 := strconv.Atoi(f[1])
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err0, err1, err2); err != nil {
		return 0, 0, err
	}
	return ppid, (ut + st) / 100, nil // USER_HZ is 100 on Linux
}

// ChildrenCPUSeconds is the CPU time of pid's descendants (the embedded PostgreSQL's
// processes), which share the machine with the server but are not in its own figures.
func ChildrenCPUSeconds(pid int) (float64, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	parent, cpu := map[int]int{}, map[int]float64{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if parent[p], cpu[p], err = stat(e.Name()); err != nil {
			delete(parent, p) // exited meanwhile
		}
	}
	var total float64
	for p := range parent {
		for a := parent[p]; a > 1; a = parent[a] {
			if a == pid {
				total += cpu[p]
				break
			}
		}
	}
	return total, nil
}
