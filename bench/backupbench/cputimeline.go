package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// startCPUTimeline prints, every interval, how many cores this process used and how many the
// whole machine used, so a run shows whether the backup kept the cores busy in each phase or
// stalled while cores sat idle (the machine's figure tells a stall apart from other load).
// It stops when stop is called.
func startCPUTimeline(w io.Writer, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := clock.Wall()
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		lastSelf, lastBusy, lastTotal := selfCPU(), 0.0, 0.0
		lastBusy, lastTotal = machineCPU()
		lastAt := clock.Since(start)
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			self := selfCPU()
			busy, total := machineCPU()
			at := clock.Since(start)
			wall := (at - lastAt).Seconds()
			cores := float64(len(cpuLines()))
			machine := 0.0
			if total > lastTotal {
				machine = (busy - lastBusy) / (total - lastTotal) * cores
			}
			fmt.Fprintf(w, "cpu %6.2fs: this process %.2f cores, machine %.2f of %.0f cores busy\n",
				at.Seconds(), (self-lastSelf).Seconds()/wall, machine, cores)
			lastSelf, lastBusy, lastTotal, lastAt = self, busy, total, at
		}
	}()
	return func() { close(done); <-finished }
}

// selfCPU is the user and system time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU reads /proc/stat's first line: the jiffies spent busy and in total.
func machineCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

func cpuLines() []string {
	b, _ := os.ReadFile("/proc/stat")
	var cpus []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "cpu") && !strings.HasPrefix(l, "cpu ") {
			cpus = append(cpus, l)
		}
	}
	return cpus
}
