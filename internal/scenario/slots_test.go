package scenario

import (
	"sync"
	"testing"
	"time"
)

// Which scenario tests run at once, and in what order. Go's own limit (-parallel) admits
// waiting tests in no particular order, and here one test (a year and more of nightly
// backups on the fake clock) takes several times as long as any other: started late, it
// alone would set the package's wall time. So TestMain lifts Go's limit, and each test takes
// one of scenarioParallelism slots from testSlots, which hands a free slot to the slowest
// waiting test first (by slowestFirst), then to the others in the order they asked.

// slowestFirst names the tests that take longest, slowest first, as measured with the whole
// package running (go test -json, the elapsed time of each test).
var slowestFirst = []string{
	"TestAWSCLI_nightlyBackupsWithTimeTravel",
	"TestAWSCLI_vaultProtection",
	"TestAWSCLI_s3BucketRestoreWalkthrough",
	"TestCompliantVaultOnAnObjectLockBucket", // mostly a 90 s wait for the bucket's retention
	"TestAWSCLI_weeklyRestoreTestsOfAPostgresDatabase",
	"TestAWSCLI_auditManagerFrameworkAndDailyReportToS3",
	"TestKilledEngineLeavesFailedJobsNoPartialResultsAndAVerifiableRepository",
	"TestAWSCLI_backupJobs",
}

// parallel marks t parallel and waits for a slot, which it holds until t and its subtests end.
// Subtests call t.Parallel themselves: they run within their parent's slot.
func parallel(t *testing.T) {
	t.Helper()
	t.Parallel()
	asked := time.Now()
	t.Cleanup(slots.acquire(t.Name()))
	// A test's elapsed time includes this wait; the log line tells them apart.
	t.Logf("waited %.1fs for a slot", time.Since(asked).Seconds())
}

// gatherTime is how long the first grant waits, so that every test released at once by the
// test runner is in the queue and the slowest can go first.
const gatherTime = 200 * time.Millisecond

type testSlots struct {
	mu       sync.Mutex
	free     int
	gathered bool
	timer    *time.Timer
	next     int
	queue    []slotRequest
}

type slotRequest struct {
	rank, arrival int
	granted       chan struct{}
}

var slots testSlots

// acquire waits for a slot for the test named name and returns the function that frees it.
func (s *testSlots) acquire(name string) (release func()) {
	rank := len(slowestFirst)
	for i, n := range slowestFirst {
		if n == name {
			rank = i
		}
	}
	req := slotRequest{rank: rank, granted: make(chan struct{})}
	s.mu.Lock()
	req.arrival = s.next
	s.next++
	s.queue = append(s.queue, req)
	if s.timer == nil {
		s.timer = time.AfterFunc(gatherTime, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.gathered = true
			s.grant()
		})
	}
	s.grant()
	s.mu.Unlock()
	<-req.granted
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.free++
		s.grant()
	}
}

// grant hands free slots to the best-ranked waiting tests; s.mu is held.
func (s *testSlots) grant() {
	for s.gathered && s.free > 0 && len(s.queue) > 0 {
		best := 0
		for i, r := range s.queue {
			if r.rank < s.queue[best].rank || r.rank == s.queue[best].rank && r.arrival < s.queue[best].arrival {
				best = i
			}
		}
		close(s.queue[best].granted)
		s.queue = append(s.queue[:best], s.queue[best+1:]...)
		s.free--
	}
}
