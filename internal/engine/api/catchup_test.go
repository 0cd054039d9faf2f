package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func TestAfterDowntimeMissedRunsExpireAndOnlyTheLatestOpenWindowRuns(t *testing.T) {
	dir := t.TempDir()
	// Set up on an engine that then stops at 12:00.
	e := newSchedEnv(t, schedStart, engine.Options{DataDir: dir})
	e.vault(t, "prod")
	e.dirs(t, 1, map[string]string{"Backup": "true"})
	rule := dailyRule("prod")
	rule.RuleName = aws.String("hourly")
	rule.ScheduleExpression = aws.String("cron(0 * * * ? *)")
	rule.StartWindowMinutes, rule.CompletionWindowMinutes = aws.Int64(180), aws.Int64(240)
	e.plan(t, rule)
	if err := e.srv.Engine.Close(); err != nil {
		t.Fatal(err)
	}

	// The engine comes back at 22:30: the runs of 13:00 to 22:00 were missed. Those whose start
	// window (3h) has closed expired; of 20:00, 21:00 and 22:00, whose windows are open, only
	// 22:00 runs.
	back := schedStart.Add(10*time.Hour + 30*time.Minute)
	e2 := newSchedEnv(t, back, engine.Options{DataDir: dir})
	if m := e2.advance(t, "0s"); !m.Now.Equal(back) {
		t.Fatalf("the restarted engine reads %s, want %s", m.Now, back)
	}
	jobs := e2.jobs(t)
	if len(jobs) != 10 {
		t.Fatalf("%d jobs after catching up, want one per missed hour (10)", len(jobs))
	}
	byHour := map[int]types.BackupJob{}
	for _, j := range jobs {
		byHour[aws.ToTime(j.CreationDate).Hour()] = j
	}
	for h := 13; h <= 22; h++ {
		j, ok := byHour[h]
		if !ok {
			t.Fatalf("no job for the %02d:00 run", h)
		}
		msg := aws.ToString(j.StatusMessage)
		switch {
		case h == 22:
			if j.State != types.BackupJobStateCompleted {
				t.Errorf("the latest run (22:00) is %s %q, want COMPLETED", j.State, msg)
			}
		case h >= 20:
			if j.State != types.BackupJobStateExpired || !strings.Contains(msg, "superseded") {
				t.Errorf("the %02d:00 run (window still open) is %s %q, want EXPIRED as superseded", h, j.State, msg)
			}
		default:
			if j.State != types.BackupJobStateExpired || !strings.Contains(msg, "no engine was running") {
				t.Errorf("the %02d:00 run (window closed) is %s %q, want EXPIRED", h, j.State, msg)
			}
		}
	}
	// From here it runs on schedule again.
	e2.advance(t, "1h")
	if st := countStates(e2.jobs(t)); st[types.BackupJobStateCompleted] != 2 || st[types.BackupJobStateExpired] != 9 {
		t.Fatalf("after 23:00: %v", st)
	}
}

func TestTwoEnginesOnOneDataDirRunEachScheduledJobOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := newSchedEnv(t, schedStart, engine.Options{DataDir: dir})
	b := &schedEnv{jobEnv: &jobEnv{}, dataDir: dir}
	srvB := enginetest.Start(t, engine.Options{DataDir: dir}) // no clock given: it reads the data dir's fake clock
	b.srv, b.c, b.reg = srvB, srvB.Client("us-east-1"), srvB.Registry("us-east-1")
	if got := srvB.Engine.Clock().Now(); !got.Equal(schedStart) {
		t.Fatalf("the second engine reads %s, want the data dir's fake time %s", got, schedStart)
	}
	a.vault(t, "prod")
	a.dirs(t, 3, map[string]string{"Backup": "true"})
	a.plan(t, dailyRule("prod"))

	// Both engines advance the clock at once, to different targets; the advances take turns,
	// and the jobs run in whichever engine claims them.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, env := range []*schedEnv{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := env.reg.AdvanceClock(ctx, "3d", 0); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The clock moved 3 days twice, the two advances one after the other.
	if got := srvB.Engine.Clock().Now(); !got.Equal(schedStart.AddDate(0, 0, 6)) {
		t.Fatalf("the clock reads %s after two 3-day advances, want %s", got, schedStart.AddDate(0, 0, 6))
	}
	jobs := a.jobs(t)
	if len(jobs) != 18 || countStates(jobs)[types.BackupJobStateCompleted] != 18 {
		t.Fatalf("%d jobs, states %v; want 18 COMPLETED (3 resources x 6 nights)", len(jobs), countStates(jobs))
	}
	if n := len(b.points(t, "prod")); n != 18 {
		t.Fatalf("%d recovery points, want 18", n)
	}
	started := map[string]int{}
	perNight := map[string]int{}
	for _, ev := range a.events(t) {
		if ev.Type == "BACKUP_JOB_STARTED" {
			started[ev.BackupJobID]++
		}
	}
	for _, j := range jobs {
		if n := started[aws.ToString(j.BackupJobId)]; n != 1 {
			t.Errorf("job %s started %d times", aws.ToString(j.BackupJobId), n)
		}
		perNight[aws.ToString(j.ResourceArn)+aws.ToTime(j.CreationDate).String()]++
	}
	for k, n := range perNight {
		if n != 1 {
			t.Errorf("%d jobs for %s", n, k)
		}
	}
}
