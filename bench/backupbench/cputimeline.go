package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// startCPUTimeline prints, every interval, how many cores this process used and how many the
// whole machine used, so a run shows whether the backup kept the cores busy in each phase or
// stalled while cores sat idle (the machine's figure tells a stall apart from other load).
// It stops when stop is called, and then prints the core-seconds the machine left idle while
// the process ran: cores nobody used, so time the backup could have had whatever the other load
// (a stall of the backup's own: waiting for the disk, or a stage starved of work).
//
// Each line also gives, from the Go scheduler's own counts sampled every millisecond, the
// goroutines ready to run (running, runnable or in a system call) and the share of the time fewer were ready than
// GOMAXPROCS: the backup had no work for a core. Unlike the cores used, that does not depend on
// what else the machine runs, so it tells the pipeline's stalls apart from other load on a
// shared machine.
func startCPUTimeline(w io.Writer, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := clock.Wall()
	var idleCoreS, capacityCoreS float64
	ready := newReadySampler(time.Millisecond)
	go func() {
		defer close(finished)
		defer func() {
			ready.stop()
			if capacityCoreS > 0 {
				fmt.Fprintf(w, "cpu idle: the machine left %.2f core-seconds idle while this process ran (%.0f%% of the cores' time)\n", idleCoreS, idleCoreS/capacityCoreS*100)
			}
			avg, starved := ready.total()
			fmt.Fprintf(w, "cpu ready: %.2f goroutines ready on average; fewer than GOMAXPROCS ready %.0f%% of the time\n", avg, starved*100)
		}()
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
			avg, starved := ready.interval()
			fmt.Fprintf(w, "cpu %6.2fs: this process %.2f cores, machine %.2f of %.0f cores busy; %.2f goroutines ready, fewer than GOMAXPROCS %.0f%% of the time\n",
				at.Seconds(), (self-lastSelf).Seconds()/wall, machine, cores, avg, starved*100)
			idleCoreS += max(cores-machine, 0) * wall
			capacityCoreS += cores * wall
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

// readySampler samples the scheduler's counts of goroutines running, runnable and in system
// calls.
type readySampler struct {
	mu                             sync.Mutex
	n, sum, starved                int // this interval
	totalN, totalSum, totalStarved int
	done                           chan struct{}
	finished                       chan struct{}
}

func newReadySampler(every time.Duration) *readySampler {
	r := &readySampler{done: make(chan struct{}), finished: make(chan struct{})}
	samples := []metrics.Sample{
		{Name: "/sched/goroutines/running:goroutines"},
		{Name: "/sched/goroutines/runnable:goroutines"},
		// Reads and writes of the page cache are work too (a goroutine blocked on the disk
		// counts as well, but then the stages it feeds soon wait for it).
		{Name: "/sched/goroutines/not-in-go:goroutines"},
	}
	go func() {
		defer close(r.finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-r.done:
				return
			case <-t.C:
			}
			metrics.Read(samples)
			ready := 0
			for _, s := range samples {
				if s.Value.Kind() == metrics.KindUint64 {
					ready += int(s.Value.Uint64())
				}
			}
			// This sampler is one of the running goroutines.
			ready = max(ready-1, 0)
			r.mu.Lock()
			r.n++
			r.sum += ready
			if ready < runtime.GOMAXPROCS(0) {
				r.starved++
			}
			r.mu.Unlock()
		}
	}()
	return r
}

// interval returns the average ready count and the starved share since the last call.
func (r *readySampler) interval() (avg, starved float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, sum, st := r.n, r.sum, r.starved
	r.totalN, r.totalSum, r.totalStarved = r.totalN+n, r.totalSum+sum, r.totalStarved+st
	r.n, r.sum, r.starved = 0, 0, 0
	if n == 0 {
		return 0, 0
	}
	return float64(sum) / float64(n), float64(st) / float64(n)
}

// total returns the same over the whole run.
func (r *readySampler) total() (avg, starved float64) {
	r.interval()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.totalN == 0 {
		return 0, 0
	}
	return float64(r.totalSum) / float64(r.totalN), float64(r.totalStarved) / float64(r.totalN)
}

func (r *readySampler) stop() { close(r.done); <-r.finished }
