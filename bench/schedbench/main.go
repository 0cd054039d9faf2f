// Command schedbench measures the scheduler for bench/scheduler.sh (issue 6's targets):
//
//   - tick latency: an engine on a fake clock advanced through many hourly ticks of a rate(1 hour)
//     rule; for each tick, the wall time from the moment the clock reaches the due instant to
//     the moment the tick's backup job is seen RUNNING (or later). Target: p99 <= 1 s.
//   - selection resolution: 100 selections (tags, conditions, ARN patterns) over 10,000
//     registered resources, resolved as a rule firing resolves them. Target: < 1 s.
//
// It prints the figures and their ratio to the target. There is no peer tool for a scheduler; the
// ratio is to the target.
//
//	schedbench [-ticks N] [-resources N] [-selections N] [-dir DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/scheduler"
	"github.com/strongroom/terraform-provider-backup/internal/engine/service"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

const role = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

func main() {
	ticks := flag.Int("ticks", 200, "hourly ticks to measure")
	nres := flag.Int("resources", 10000, "registered resources for the selection benchmark")
	nsel := flag.Int("selections", 100, "selections for the selection benchmark")
	dir := flag.String("dir", "", "working directory (default: a temporary one)")
	flag.Parse()
	work := *dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "schedbench"); err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	if err := tickLatency(filepath.Join(work, "ticks"), *ticks); err != nil {
		fail(fmt.Errorf("tick latency: %w", err))
	}
	if err := resolution(filepath.Join(work, "selections"), *nres, *nsel); err != nil {
		fail(fmt.Errorf("selection resolution: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "schedbench:", err)
	os.Exit(1)
}

// steppedClock is a fake clock that records the wall time at which it reached each time.
type steppedClock struct {
	*clock.Fake
	mu      sync.Mutex
	reached map[time.Time]time.Time
}

func (c *steppedClock) SetTime(t time.Time) error {
	err := c.Fake.SetTime(t)
	c.mu.Lock()
	c.reached[t.UTC()] = clock.Wall()
	c.mu.Unlock()
	return err
}

func (c *steppedClock) reachedAt(t time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.reached[t.UTC()]
	return w, ok
}

func caller(e *engine.Engine) context.Context {
	return service.WithCaller(context.Background(), service.Caller{AccountID: e.PrimaryKey().AccountID, Region: engine.DefaultRegion})
}

func tickLatency(dir string, ticks int) error {
	start := time.Date(2024, 1, 1, 0, 30, 0, 0, time.UTC)
	clk := &steppedClock{Fake: clock.NewFake(start), reached: map[time.Time]time.Time{}}
	e, err := engine.Open(context.Background(), engine.Options{DataDir: filepath.Join(dir, "engine"), Clock: clk})
	if err != nil {
		return err
	}
	defer func() { _ = e.Close() }()
	s, ctx := e.Service(), caller(e)
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "data.txt"), []byte("hourly backups\n"), 0o644); err != nil {
		return err
	}
	if _, err := s.CreateBackupVault(ctx, &wire.CreateBackupVaultInput{BackupVaultName: "bench"}); err != nil {
		return err
	}
	r, err := s.RegisterResource(ctx, &wire.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		return err
	}
	plan, err := s.CreateBackupPlan(ctx, &wire.CreateBackupPlanInput{BackupPlan: wire.BackupPlanInput{BackupPlanName: "hourly",
		Rules: []wire.BackupRuleInput{{RuleName: "hourly", TargetBackupVaultName: "bench", ScheduleExpression: "rate(1 hour)"}}}})
	if err != nil {
		return err
	}
	if _, err := s.CreateBackupSelection(ctx, &wire.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId,
		BackupSelection: wire.BackupSelection{SelectionName: "one", IamRoleArn: role, Resources: []string{r.ResourceArn}}}); err != nil {
		return err
	}

	// Watch for jobs leaving CREATED/PENDING, while the clock is advanced through the ticks.
	seen := map[string]time.Time{} // job ID -> first wall time seen RUNNING or later
	created := map[string]time.Time{}
	stop := make(chan struct{})
	watched := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				watched <- nil
				return
			default:
			}
			out, err := s.ListBackupJobs(ctx, &wire.ListBackupJobsInput{ByCreatedAfter: wire.NewTimestamp(clk.Now().Add(-2 * time.Hour))})
			if err != nil {
				watched <- err
				return
			}
			now := clock.Wall()
			for _, j := range out.BackupJobs {
				if _, ok := seen[j.BackupJobId]; !ok && j.State != service.BackupJobCreated && j.State != service.BackupJobPending {
					seen[j.BackupJobId], created[j.BackupJobId] = now, j.CreationDate.Time()
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	began := clock.Wall()
	res, err := s.Scheduler().AdvanceTo(ctx, start.Add(time.Duration(ticks)*time.Hour+10*time.Minute), 0)
	elapsed := clock.Since(began)
	close(stop)
	if werr := <-watched; werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	var lat []time.Duration
	for id, w := range seen {
		due, ok := clk.reachedAt(created[id])
		if !ok {
			return fmt.Errorf("job %s was created at %s, an instant the clock never stopped at", id, created[id])
		}
		lat = append(lat, w.Sub(due))
	}
	if len(lat) != ticks {
		return fmt.Errorf("%d jobs started over %d ticks (steps %d)", len(lat), ticks, res.Steps)
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	fmt.Printf("tick -> job RUNNING latency over %d hourly ticks (fake clock stepped to each due instant; %s in all):\n", ticks, elapsed.Round(time.Millisecond))
	fmt.Printf("  p50 %8.1f ms   p90 %8.1f ms   p99 %8.1f ms   max %8.1f ms\n", ms(p(0.5)), ms(p(0.9)), ms(p(0.99)), ms(lat[len(lat)-1]))
	fmt.Printf("  p99 / target (1 s) = %.3f   %s\n", p(0.99).Seconds()/1.0, verdict(p(0.99) <= time.Second))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func verdict(ok bool) string {
	if ok {
		return "(meets the target)"
	}
	return "(MISSES the target)"
}

func resolution(dir string, nres, nsel int) error {
	e, err := engine.Open(context.Background(), engine.Options{DataDir: filepath.Join(dir, "engine"), Scheduler: scheduler.Options{Disabled: true}})
	if err != nil {
		return err
	}
	defer func() { _ = e.Close() }()
	s, ctx := e.Service(), caller(e)
	root := filepath.Join(dir, "dirs")
	began := clock.Wall()
	envs := []string{"prod", "staging", "dev", "test"}
	for i := range nres {
		p := filepath.Join(root, fmt.Sprintf("team%02d", i%50), fmt.Sprintf("app%05d", i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		tags := map[string]string{"team": fmt.Sprintf("team%02d", i%50), "env": envs[i%len(envs)], "app": fmt.Sprintf("app%05d", i)}
		if i%3 == 0 {
			tags["Backup"] = "true"
		}
		if _, err := s.RegisterResource(ctx, &wire.RegisterResourceInput{ResourceType: "EFS", Locator: p, Tags: tags}); err != nil {
			return err
		}
	}
	fmt.Printf("registered %d resources in %s\n", nres, clock.Since(began).Round(time.Millisecond))
	if _, err := s.CreateBackupVault(ctx, &wire.CreateBackupVaultInput{BackupVaultName: "bench"}); err != nil {
		return err
	}
	plan, err := s.CreateBackupPlan(ctx, &wire.CreateBackupPlanInput{BackupPlan: wire.BackupPlanInput{BackupPlanName: "many-selections",
		Rules: []wire.BackupRuleInput{{RuleName: "daily", TargetBackupVaultName: "bench"}}}})
	if err != nil {
		return err
	}
	// Selections of every kind: ListOfTags, Conditions with each operator, ARN patterns; each
	// covering a slice of the resources, several resources covered by more than one.
	for i := range nsel {
		sel := wire.BackupSelection{SelectionName: fmt.Sprintf("sel-%03d", i), IamRoleArn: role}
		team := fmt.Sprintf("team%02d", i%50)
		switch i % 4 {
		case 0:
			sel.ListOfTags = []wire.Condition{{ConditionType: "STRINGEQUALS", ConditionKey: "team", ConditionValue: team}}
		case 1:
			sel.Resources = []string{"*"}
			sel.Conditions = &wire.Conditions{
				StringEquals: []wire.ConditionParameter{{ConditionKey: "aws:ResourceTag/team", ConditionValue: team}},
				StringLike:   []wire.ConditionParameter{{ConditionKey: "aws:ResourceTag/app", ConditionValue: "app*7"}},
			}
		case 2:
			sel.ListOfTags = []wire.Condition{{ConditionType: "STRINGEQUALS", ConditionKey: "Backup", ConditionValue: "true"}}
			sel.Conditions = &wire.Conditions{
				StringNotEquals: []wire.ConditionParameter{{ConditionKey: "aws:ResourceTag/env", ConditionValue: "dev"}},
				StringNotLike:   []wire.ConditionParameter{{ConditionKey: "aws:ResourceTag/team", ConditionValue: "team1?"}},
			}
		case 3:
			sel.Resources = []string{"arn:aws:elasticfilesystem:*:*:file-system/fs-*"}
			sel.NotResources = []string{"arn:aws:elasticfilesystem:*:*:file-system/fs-0*"}
			sel.Conditions = &wire.Conditions{StringEquals: []wire.ConditionParameter{{ConditionKey: "aws:ResourceTag/env", ConditionValue: envs[i%len(envs)]}}}
		}
		if _, err := s.CreateBackupSelection(ctx, &wire.CreateBackupSelectionInput{BackupPlanId: plan.BackupPlanId, BackupSelection: sel}); err != nil {
			return err
		}
	}
	var times []time.Duration
	var covered int
	for range 7 {
		t0 := clock.Wall()
		out, err := s.ListPlanResources(ctx, &wire.ListPlanResourcesInput{BackupPlanId: plan.BackupPlanId})
		if err != nil {
			return err
		}
		times = append(times, clock.Since(t0))
		covered = len(out.ResourceArns)
	}
	slices.Sort(times)
	med := times[len(times)/2]
	fmt.Printf("resolve %d selections over %d registered resources (as a rule firing does; %d covered): median of 7 %.1f ms, worst %.1f ms\n",
		nsel, nres, covered, ms(med), ms(times[len(times)-1]))
	fmt.Printf("  median / target (1 s) = %.3f   %s\n", med.Seconds(), verdict(med < time.Second))
	return nil
}
