package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// schedEnv is an engine on a persistent fake clock, with a vault and registered directories.
type schedEnv struct {
	*jobEnv
	dataDir string
}

func newSchedEnv(t *testing.T, start time.Time, o engine.Options) *schedEnv {
	t.Helper()
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	o.FakeClock = &start
	return &schedEnv{jobEnv: newJobEnv(t, o), dataDir: o.DataDir}
}

// dirs makes n directories with files, registered with the given tags, and returns their ARNs.
func (e *schedEnv) dirs(t *testing.T, n int, tags map[string]string) []string {
	t.Helper()
	var arns []string
	for i := range n {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("src%d", i))
		enginetest.WriteTree(t, dir, uint64(i+1))
		r, err := e.reg.RegisterResource(context.Background(), engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir, Tags: tags})
		if err != nil {
			t.Fatalf("register %s: %v", dir, err)
		}
		arns = append(arns, r.ResourceArn)
	}
	return arns
}

// plan creates a plan with one rule and a selection of resources tagged Backup=true.
func (e *schedEnv) plan(t *testing.T, rule types.BackupRuleInput) string {
	t.Helper()
	ctx := context.Background()
	p, err := e.c.CreateBackupPlan(ctx, &backup.CreateBackupPlanInput{BackupPlan: &types.BackupPlanInput{
		BackupPlanName: aws.String("nightly"), Rules: []types.BackupRuleInput{rule}}})
	if err != nil {
		t.Fatalf("CreateBackupPlan: %v", err)
	}
	_, err = e.c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: p.BackupPlanId, BackupSelection: &types.BackupSelection{
		SelectionName: aws.String("tagged"), IamRoleArn: aws.String(role),
		ListOfTags: []types.Condition{{ConditionType: types.ConditionTypeStringequals, ConditionKey: aws.String("Backup"), ConditionValue: aws.String("true")}}}})
	if err != nil {
		t.Fatalf("CreateBackupSelection: %v", err)
	}
	return aws.ToString(p.BackupPlanId)
}

func (e *schedEnv) advance(t *testing.T, d string) *engineclient.ClockMove {
	t.Helper()
	m, err := e.reg.AdvanceClock(context.Background(), d, 0)
	if err != nil {
		t.Fatalf("advance the clock %s: %v", d, err)
	}
	return m
}

func (e *schedEnv) jobs(t *testing.T) []types.BackupJob {
	t.Helper()
	var out []types.BackupJob
	p := backup.NewListBackupJobsPaginator(e.c, &backup.ListBackupJobsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListBackupJobs: %v", err)
		}
		out = append(out, page.BackupJobs...)
	}
	return out
}

func (e *schedEnv) points(t *testing.T, vault string) []types.RecoveryPointByBackupVault {
	t.Helper()
	var out []types.RecoveryPointByBackupVault
	p := backup.NewListRecoveryPointsByBackupVaultPaginator(e.c, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(vault)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListRecoveryPointsByBackupVault: %v", err)
		}
		out = append(out, page.RecoveryPoints...)
	}
	return out
}

func (e *schedEnv) events(t *testing.T) []events.Event {
	t.Helper()
	evs, err := events.ReadLog(engine.EventLogPath(e.dataDir))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func countStates(jobs []types.BackupJob) map[types.BackupJobState]int {
	out := map[types.BackupJobState]int{}
	for _, j := range jobs {
		out[j.State]++
	}
	return out
}

func dailyRule(vault string) types.BackupRuleInput {
	return types.BackupRuleInput{RuleName: aws.String("daily"), TargetBackupVaultName: aws.String(vault),
		ScheduleExpression: aws.String("cron(0 2 * * ? *)"), StartWindowMinutes: aws.Int64(60), CompletionWindowMinutes: aws.Int64(180),
		RecoveryPointTags: map[string]string{"made-by": "schedule"}}
}

// Tuesday 2024-01-16 12:00 UTC.
var schedStart = time.Date(2024, 1, 16, 12, 0, 0, 0, time.UTC)

func TestScheduledRuleBacksUpTheTaggedResourcesAtItsTimeOncePerWindow(t *testing.T) {
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	tagged := e.dirs(t, 3, map[string]string{"Backup": "true"})
	untagged := e.dirs(t, 1, map[string]string{"Backup": "false"})
	planID := e.plan(t, dailyRule("prod"))

	// Nothing fires before 02:00.
	if m := e.advance(t, "13h"); m.Steps != 0 || len(e.jobs(t)) != 0 {
		t.Fatalf("advancing to 01:00 made %d steps and %d jobs", m.Steps, len(e.jobs(t)))
	}
	m := e.advance(t, "2h") // to 03:00 on the 17th
	if want := time.Date(2024, 1, 17, 3, 0, 0, 0, time.UTC); !m.Now.Equal(want) {
		t.Fatalf("the clock reads %s after the advance, want %s", m.Now, want)
	}
	jobs := e.jobs(t)
	if len(jobs) != 3 || countStates(jobs)[types.BackupJobStateCompleted] != 3 {
		t.Fatalf("after 02:00: %d jobs, states %v; want 3 COMPLETED", len(jobs), countStates(jobs))
	}
	fired := time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC)
	var covered []string
	for _, j := range jobs {
		covered = append(covered, aws.ToString(j.ResourceArn))
		if !aws.ToTime(j.CreationDate).Equal(fired) {
			t.Errorf("job %s was created at %s, want the rule's time %s", aws.ToString(j.BackupJobId), aws.ToTime(j.CreationDate), fired)
		}
		if j.CreatedBy == nil || aws.ToString(j.CreatedBy.BackupPlanId) != planID || aws.ToString(j.CreatedBy.BackupRuleName) != "daily" {
			t.Errorf("job %s CreatedBy = %+v, want plan %s rule daily", aws.ToString(j.BackupJobId), j.CreatedBy, planID)
		}
		if want := fired.Add(time.Hour); !aws.ToTime(j.StartBy).Equal(want) {
			t.Errorf("job StartBy = %s, want %s (StartWindowMinutes 60)", aws.ToTime(j.StartBy), want)
		}
	}
	slices.Sort(covered)
	want := slices.Clone(tagged)
	slices.Sort(want)
	if !slices.Equal(covered, want) {
		t.Fatalf("jobs covered %v, want the tagged resources %v", covered, want)
	}
	if slices.Contains(covered, untagged[0]) {
		t.Fatal("the untagged resource was backed up")
	}
	points := e.points(t, "prod")
	if len(points) != 3 {
		t.Fatalf("%d recovery points in prod, want 3", len(points))
	}
	for _, p := range points {
		if p.CreatedBy == nil || aws.ToString(p.CreatedBy.BackupPlanId) != planID || aws.ToString(p.CreatedBy.BackupRuleCron) != "cron(0 2 * * ? *)" {
			t.Errorf("point %s CreatedBy = %+v", aws.ToString(p.RecoveryPointArn), p.CreatedBy)
		}
		tags, err := e.c.ListTags(context.Background(), &backup.ListTagsInput{ResourceArn: p.RecoveryPointArn})
		if err != nil || tags.Tags["made-by"] != "schedule" {
			t.Errorf("point %s tags %v (%v), want the rule's RecoveryPointTags", aws.ToString(p.RecoveryPointArn), tags.Tags, err)
		}
	}
	plan, err := e.c.GetBackupPlan(context.Background(), &backup.GetBackupPlanInput{BackupPlanId: aws.String(planID)})
	if err != nil || !aws.ToTime(plan.LastExecutionDate).Equal(fired) {
		t.Fatalf("GetBackupPlan LastExecutionDate = %v (%v), want %s", plan.LastExecutionDate, err, fired)
	}

	// Advancing within the same day fires nothing more; the next day fires once per resource.
	e.advance(t, "20h")
	if n := len(e.jobs(t)); n != 3 {
		t.Fatalf("%d jobs after advancing to 23:00, want still 3", n)
	}
	m = e.advance(t, "48h")
	if n := len(e.jobs(t)); n != 9 || m.Steps < 2 {
		t.Fatalf("%d jobs after two more nights (steps %d), want 9", n, m.Steps)
	}
	// The event log has one STARTED and one SUCCESSFUL event per job.
	started, succeeded := map[string]int{}, map[string]int{}
	for _, ev := range e.events(t) {
		switch ev.Type {
		case "BACKUP_JOB_STARTED":
			started[ev.BackupJobID]++
		case "BACKUP_JOB_SUCCESSFUL":
			succeeded[ev.BackupJobID]++
		}
	}
	for _, j := range e.jobs(t) {
		id := aws.ToString(j.BackupJobId)
		if started[id] != 1 || succeeded[id] != 1 {
			t.Errorf("job %s has %d STARTED and %d SUCCESSFUL events, want 1 each", id, started[id], succeeded[id])
		}
	}
}

func TestScheduledRuleFiresInItsTimeZone(t *testing.T) {
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	e.dirs(t, 1, map[string]string{"Backup": "true"})
	rule := dailyRule("prod")
	rule.ScheduleExpressionTimezone = aws.String("Asia/Tokyo") // UTC+9: 02:00 there is 17:00 UTC
	e.plan(t, rule)
	e.advance(t, "4h") // 16:00 UTC
	if n := len(e.jobs(t)); n != 0 {
		t.Fatalf("%d jobs before 17:00 UTC", n)
	}
	e.advance(t, "2h")
	jobs := e.jobs(t)
	if len(jobs) != 1 || !aws.ToTime(jobs[0].CreationDate).Equal(time.Date(2024, 1, 16, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("jobs %v, want one created at 17:00 UTC (02:00 in Tokyo)", jobs)
	}
}

func TestMovingTheClockOfAWallClockEngineIsRefused(t *testing.T) {
	e := newJobEnv(t, engine.Options{})
	_, err := e.reg.AdvanceClock(context.Background(), "24h", 0)
	if err == nil || !strings.Contains(err.Error(), "InvalidRequestException") || !strings.Contains(err.Error(), "--fake-clock") {
		t.Fatalf("advancing a wall-clock engine: %v; want InvalidRequestException saying how to start a fake clock", err)
	}
	clk, err := e.reg.GetClock(context.Background())
	if err != nil || clk.Mode != "real" {
		t.Fatalf("GetClock = %+v, %v; want mode real", clk, err)
	}
}

func TestTheFakeClockRefusesToGoBackAndBadDurations(t *testing.T) {
	e := newSchedEnv(t, schedStart, engine.Options{})
	ctx := context.Background()
	if _, err := e.reg.SetClock(ctx, schedStart.Add(-time.Hour), 0); err == nil || !strings.Contains(err.Error(), "InvalidParameterValueException") {
		t.Fatalf("setting the clock back: %v", err)
	}
	for _, d := range []string{"-1h", "soon", "1x", ""} {
		if _, err := e.reg.AdvanceClock(ctx, d, 0); err == nil {
			t.Fatalf("advancing by %q succeeded", d)
		}
	}
	m, err := e.reg.AdvanceClock(ctx, "400d", 0)
	if err != nil || !m.Now.Equal(schedStart.AddDate(0, 0, 400)) || !m.Persistent {
		t.Fatalf("advance 400d = %+v, %v", m, err)
	}
}

func TestTheFakeClockPersistsAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	e, err := engine.Open(context.Background(), engine.Options{DataDir: dir, FakeClock: &schedStart})
	if err != nil {
		t.Fatal(err)
	}
	s := e.Service()
	if _, err := s.Scheduler().AdvanceTo(context.Background(), schedStart.Add(36*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened with the same --fake-clock: it continues from where it was.
	e, err = engine.Open(context.Background(), engine.Options{DataDir: dir, FakeClock: &schedStart})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Clock().Now(); !got.Equal(schedStart.Add(36 * time.Hour)) {
		t.Fatalf("the restarted engine reads %s, want %s", got, schedStart.Add(36*time.Hour))
	}
	// An engine opened without a clock on the same data dir (an embedded provider) reads the
	// same fake time, and sees the other one move it.
	other, err := engine.Open(context.Background(), engine.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := e.Service().Scheduler().AdvanceTo(context.Background(), schedStart.Add(48*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if got := other.Clock().Now(); !got.Equal(schedStart.Add(48 * time.Hour)) {
		t.Fatalf("the second engine reads %s, want %s", got, schedStart.Add(48*time.Hour))
	}
	_ = e.Close()
	if _, err := os.Stat(filepath.Join(dir, "engine.db")); err != nil {
		t.Fatal(err)
	}
}

func TestPlanResourcesListsWhatTheSelectionsCover(t *testing.T) {
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	tagged := e.dirs(t, 2, map[string]string{"Backup": "true"})
	e.dirs(t, 1, nil)
	planID := e.plan(t, dailyRule("prod"))
	got, err := e.reg.PlanResources(context.Background(), planID)
	slices.Sort(got)
	want := slices.Clone(tagged)
	slices.Sort(want)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("PlanResources = %v, %v; want the tagged %v", got, err, want)
	}
	if _, err := e.reg.PlanResources(context.Background(), "no-such-plan"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("PlanResources of a missing plan: %v", err)
	}
}

// Each selection's resources can be asked for alone: a second selection naming one untagged
// directory covers it and nothing else, the plan covers both selections' resources, and a
// selection the plan does not have is ResourceNotFoundException.
func TestSelectionResourcesListWhatOneSelectionCovers(t *testing.T) {
	ctx := context.Background()
	e := newSchedEnv(t, schedStart, engine.Options{})
	e.vault(t, "prod")
	tagged := e.dirs(t, 2, map[string]string{"Backup": "true"})
	untagged := e.dirs(t, 2, nil)
	planID := e.plan(t, dailyRule("prod"))
	byARN, err := e.c.CreateBackupSelection(ctx, &backup.CreateBackupSelectionInput{BackupPlanId: aws.String(planID), BackupSelection: &types.BackupSelection{
		SelectionName: aws.String("one-dir"), IamRoleArn: aws.String(role), Resources: []string{untagged[0]}}})
	if err != nil {
		t.Fatal(err)
	}
	sels, err := e.c.ListBackupSelections(ctx, &backup.ListBackupSelectionsInput{BackupPlanId: aws.String(planID)})
	if err != nil {
		t.Fatal(err)
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	for _, sel := range sels.BackupSelectionsList {
		got, err := e.reg.SelectionResources(ctx, planID, aws.ToString(sel.SelectionId))
		want := tagged
		if aws.ToString(sel.SelectionId) == aws.ToString(byARN.SelectionId) {
			want = untagged[:1]
		}
		if err != nil || !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("selection %s covers %v, %v; want %v", aws.ToString(sel.SelectionName), got, err, want)
		}
	}
	if all, err := e.reg.PlanResources(ctx, planID); err != nil || !slices.Equal(sorted(all), sorted(append(slices.Clone(tagged), untagged[0]))) {
		t.Errorf("the plan covers %v, %v; want both selections' resources", all, err)
	}
	if _, err := e.reg.SelectionResources(ctx, planID, "no-such-selection"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") ||
		!strings.Contains(err.Error(), "no selection no-such-selection") {
		t.Errorf("a selection the plan does not have: %v", err)
	}
}

// offsetClock is the wall clock shifted by a fixed offset: real time, moving on its own, placed
// just before a rule's time so the wall-clock loop can be seen firing it.
type offsetClock struct{ offset time.Duration }

func (c offsetClock) Now() time.Time { return time.Now().Add(c.offset).UTC() }

func TestOnTheWallClockTheLoopFiresARuleAtItsTime(t *testing.T) {
	// Two seconds before 02:00: the engine runs on real time, so nothing but the loop's own timer
	// makes the rule fire.
	due := time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC)
	clk := offsetClock{offset: time.Until(due.Add(-3 * time.Second))}
	e := newJobEnv(t, engine.Options{Clock: clk})
	se := &schedEnv{jobEnv: e}
	e.vault(t, "prod")
	se.dirs(t, 1, map[string]string{"Backup": "true"})
	se.plan(t, dailyRule("prod"))
	if _, err := e.reg.AdvanceClock(context.Background(), "1h", 0); err == nil {
		t.Fatal("the wall clock was advanced")
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		jobs := se.jobs(t)
		if len(jobs) == 1 && jobs[0].State == types.BackupJobStateCompleted {
			if !aws.ToTime(jobs[0].CreationDate).Equal(due) {
				t.Fatalf("the job was created at %s, want the rule's time %s", aws.ToTime(jobs[0].CreationDate), due)
			}
			if started := aws.ToTime(jobs[0].InitiationDate); started.Sub(due) > time.Second {
				t.Fatalf("the job started %s after its tick", started.Sub(due))
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no completed job 20s after the rule's time: %+v", se.jobs(t))
}
