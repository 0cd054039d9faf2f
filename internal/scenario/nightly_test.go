package scenario

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
)

// nightlyPlan is the seed's plan (../shared/seeds/000_ec20890367f2de93.txt): nightly at 02:00,
// start within an hour, complete within three, cold after 30 days, deleted after a year, and a
// copy to dr-vault in eu-west-1 kept 90 days.
func nightlyPlan(account string) string {
	return fmt.Sprintf(`{
  "BackupPlanName": "prod-daily-backup-plan",
  "Rules": [{
    "RuleName": "DailyToUsEast1",
    "TargetBackupVaultName": "prod-primary-vault",
    "ScheduleExpression": "cron(0 2 * * ? *)",
    "StartWindowMinutes": 60,
    "CompletionWindowMinutes": 180,
    "Lifecycle": { "MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365 },
    "CopyActions": [{
      "DestinationBackupVaultArn": "arn:aws:backup:eu-west-1:%s:backup-vault:dr-vault",
      "Lifecycle": { "DeleteAfterDays": 90 }
    }]
  }]
}`, account)
}

// nightlyPlanWithoutCopies is nightlyPlan without its copy action.
const nightlyPlanWithoutCopies = `{
  "BackupPlanName": "prod-daily-backup-plan",
  "Rules": [{
    "RuleName": "DailyToUsEast1",
    "TargetBackupVaultName": "prod-primary-vault",
    "ScheduleExpression": "cron(0 2 * * ? *)",
    "StartWindowMinutes": 60,
    "CompletionWindowMinutes": 180,
    "Lifecycle": { "MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365 }
  }]
}`

func epoch(v any) time.Time {
	f, _ := v.(float64)
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
}

// clock runs `engine clock ARGS` against the daemon and returns what it printed.
func (d *daemon) clock(t *testing.T, args ...string) string {
	t.Helper()
	r := d.engineAs(t, "us-east-1", append([]string{"clock"}, append(args, "--endpoint", d.Endpoint)...)...)
	if r.Code != 0 {
		t.Fatalf("engine clock %s: exit %d: %s\ndaemon log:\n%s", strings.Join(args, " "), r.Code, r.Stderr, d.Logs())
	}
	return strings.TrimSpace(r.Stdout)
}

func treeListing(t *testing.T, dir string) string {
	t.Helper()
	return strings.Join(enginetest.DiffTrees(t, dir, t.TempDir()), "\n")
}

// The seed's nightly story with the AWS CLI against `engine serve --fake-clock`: three resources
// tagged Backup=true and one not, a daily 02:00 rule copying to dr-vault in eu-west-1; past 02:00
// the three are backed up and copied, and the fourth is untouched; a DR copy restores; 400 days
// later the cold transitions and deletions, in both vaults, are exactly the lifecycles'.
func TestAWSCLI_nightlyBackupsWithTimeTravel(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	d := startDaemon(t, "--fake-clock", "2024-01-16T12:00:00Z")
	account := credentials.DefaultAccountID
	if got := d.clock(t, "show"); got != "2024-01-16T12:00:00Z (fake clock)" {
		t.Fatalf("engine clock show printed %q", got)
	}
	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	d.mustAWS(t, "eu-west-1", "backup", "create-backup-vault", "--backup-vault-name", "dr-vault")

	srcs := map[string]string{}
	for i, name := range []string{"web-assets", "app-data", "shared-config", "scratch"} {
		dir := filepath.Join(t.TempDir(), name)
		enginetest.WriteTree(t, dir, uint64(i+1))
		tag := "Backup=true"
		if name == "scratch" {
			tag = "Backup=false"
		}
		srcs[d.registerDir(t, dir, tag)] = dir
	}
	var scratchARN string
	for arn, dir := range srcs {
		if strings.HasSuffix(dir, "scratch") {
			scratchARN = arn
		}
	}
	scratchBefore := treeListing(t, srcs[scratchARN])

	plan := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", nightlyPlan(account)))
	planID := plan["BackupPlanId"].(string)
	d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", planID, "--backup-selection", writeFile(t, "selection.json", guideSelectionDocument))

	// Past 02:00: three backup jobs, COMPLETED, created at 02:00 by the plan.
	if got := d.clock(t, "advance", "15h"); !strings.HasPrefix(got, "2024-01-17T03:00:00Z (fake clock") {
		t.Fatalf("engine clock advance 15h printed %q", got)
	}
	jobs := list(d.mustAWS(t, region, "backup", "list-backup-jobs")["BackupJobs"])
	if len(jobs) != 3 {
		t.Fatalf("%d backup jobs after 02:00, want 3:\n%s", len(jobs), toJSON(jobs))
	}
	night1 := time.Date(2024, 1, 17, 2, 0, 0, 0, time.UTC)
	for _, j := range jobs {
		job := obj(j)
		if job["State"] != "COMPLETED" || !epoch(job["CreationDate"]).Equal(night1) || obj(job["CreatedBy"])["BackupPlanId"] != planID ||
			srcs[job["ResourceArn"].(string)] == "" || job["ResourceArn"] == scratchARN {
			t.Fatalf("job %s", toJSON(job))
		}
	}
	if n := len(list(d.mustAWS(t, region, "backup", "list-backup-jobs", "--by-resource-arn", scratchARN)["BackupJobs"])); n != 0 {
		t.Fatalf("the untagged resource has %d backup jobs", n)
	}
	if n := len(list(d.mustAWS(t, region, "backup", "list-recovery-points-by-resource", "--resource-arn", scratchARN)["RecoveryPoints"])); n != 0 {
		t.Fatalf("the untagged resource has %d recovery points", n)
	}
	points := list(d.mustAWS(t, region, "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "prod-primary-vault")["RecoveryPoints"])
	if len(points) != 3 {
		t.Fatalf("%d points in prod-primary-vault, want 3", len(points))
	}
	for _, p := range points {
		lc := obj(obj(p)["CalculatedLifecycle"])
		if !epoch(lc["MoveToColdStorageAt"]).Equal(night1.AddDate(0, 0, 30)) || !epoch(lc["DeleteAt"]).Equal(night1.AddDate(0, 0, 365)) {
			t.Fatalf("CalculatedLifecycle %v for a point taken %s", lc, night1)
		}
	}
	// Each completed backup started its rule's copy action: three copies in the DR vault.
	copies := list(d.mustAWS(t, region, "backup", "list-copy-jobs")["CopyJobs"])
	if len(copies) != 3 {
		t.Fatalf("%d copy jobs, want 3:\n%s", len(copies), toJSON(copies))
	}
	for _, c := range copies {
		if obj(c)["State"] != "COMPLETED" || !strings.HasSuffix(obj(c)["DestinationBackupVaultArn"].(string), ":backup-vault:dr-vault") {
			t.Fatalf("copy job %s", toJSON(c))
		}
	}
	drPoints := list(d.mustAWS(t, "eu-west-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "dr-vault")["RecoveryPoints"])
	if len(drPoints) != 3 {
		t.Fatalf("%d points in dr-vault, want 3", len(drPoints))
	}

	// Restore from the DR vault, in eu-west-1: the same tree comes back.
	rp := obj(drPoints[0])
	rpARN := rp["RecoveryPointArn"].(string)
	meta := obj(d.mustAWS(t, "eu-west-1", "backup", "get-recovery-point-restore-metadata", "--backup-vault-name", "dr-vault", "--recovery-point-arn", rpARN)["RestoreMetadata"])
	dest := filepath.Join(t.TempDir(), "restored")
	meta["newFileSystem"], meta["destination-path"] = "true", dest
	started := d.mustAWS(t, "eu-west-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole, "--metadata", toJSON(meta))
	done := d.waitIn(t, "eu-west-1", func(m map[string]any) string { s, _ := m["Status"].(string); return s }, restorePending,
		"backup", "describe-restore-job", "--restore-job-id", started["RestoreJobId"].(string))
	if done["Status"] != "COMPLETED" {
		t.Fatalf("restore from the DR vault ended %s", toJSON(done))
	}
	if diffs := enginetest.DiffTrees(t, srcs[rp["ResourceArn"].(string)], dest); len(diffs) > 0 {
		t.Fatalf("the tree restored from the DR copy differs:\n%s", strings.Join(diffs, "\n"))
	}

	// 400 days on: every night ran, and the lifecycle did exactly what it says.
	out := d.clock(t, "advance", "400d")
	now := time.Date(2025, 2, 20, 3, 0, 0, 0, time.UTC)
	if !strings.HasPrefix(out, now.Format(time.RFC3339)+" (fake clock") {
		t.Fatalf("engine clock advance 400d printed %q", out)
	}
	jobs = list(d.mustAWS(t, region, "backup", "list-backup-jobs", "--by-state", "COMPLETED")["BackupJobs"])
	if len(jobs) != 3*401 {
		t.Fatalf("%d COMPLETED backup jobs after 401 nights, want %d", len(jobs), 3*401)
	}
	if n := len(list(d.mustAWS(t, region, "backup", "list-backup-jobs")["BackupJobs"])); n != 3*401 {
		t.Fatalf("%d backup jobs in all; some did not complete", n)
	}
	created := map[string]time.Time{} // recovery point ARN -> creation
	for _, j := range jobs {
		created[obj(j)["RecoveryPointArn"].(string)] = epoch(obj(j)["CreationDate"])
	}
	// Every point kept, with its storage class (boto3: one process describes them all).
	r := d.python(t, region, `
import boto3, json, os
c = boto3.client("backup", endpoint_url=os.environ["ENDPOINT"])
out = {}
for page in c.get_paginator("list_recovery_points_by_backup_vault").paginate(BackupVaultName="prod-primary-vault"):
    for p in page["RecoveryPoints"]:
        d = c.describe_recovery_point(BackupVaultName="prod-primary-vault", RecoveryPointArn=p["RecoveryPointArn"])
        out[p["RecoveryPointArn"]] = [d["CreationDate"].timestamp(), d["StorageClass"]]
print(json.dumps(out))
`)
	if r.Code != 0 {
		t.Fatalf("boto3: %s", r.Stderr)
	}
	kept := r.JSON(t)
	warm, cold := 0, 0
	for arn, v := range kept {
		c, ok := created[arn]
		if !ok {
			t.Fatalf("point %s was made by no job", arn)
		}
		sc := list(v)[1]
		if wantCold := !c.AddDate(0, 0, 30).After(now); (sc == "COLD") != wantCold {
			t.Errorf("point %s created %s is %s at %s", arn, c, sc, now)
		}
		if sc == "COLD" {
			cold++
		} else {
			warm++
		}
	}
	for arn, c := range created {
		if _, ok := kept[arn]; ok != c.AddDate(0, 0, 365).After(now) {
			t.Errorf("point %s created %s: kept=%v at %s with a 365-day retention", arn, c, ok, now)
		}
	}
	// 2024-02-22 to 2025-02-20: 365 nights kept; the last 30 of them still warm.
	if len(kept) != 3*365 || warm != 3*30 || cold != 3*335 {
		t.Fatalf("%d points kept (%d warm, %d cold); want %d (%d warm, %d cold)", len(kept), warm, cold, 3*365, 3*30, 3*335)
	}
	// The event log records each transition and deletion at the instant the lifecycle set.
	evs, err := events.ReadLog(engine.EventLogPath(d.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	moved, deleted, drDeleted := 0, 0, 0
	jobEvents := map[string]int{}
	for _, ev := range evs {
		if ev.Type != "RECOVERY_POINT_MODIFIED" {
			jobEvents[ev.Type]++
			continue
		}
		if ev.VaultName == "dr-vault" {
			// A copy keeps its source's creation date (02:00 of its night); it goes 90 days on.
			if ev.State != "DELETED" || ev.Time.Hour() != 2 || ev.Time.Minute() != 0 || ev.Time.Second() != 0 || !ev.Time.After(night1.AddDate(0, 0, 89)) {
				t.Errorf("DR vault event %+v; want deletions at 02:00, 90 days after a night", ev)
			}
			drDeleted++
			continue
		}
		c, ok := created[ev.RecoveryPointARN]
		if !ok {
			t.Fatalf("an event for a point no job made: %+v", ev)
		}
		switch ev.State {
		case "COLD":
			moved++
			if !ev.Time.Equal(c.AddDate(0, 0, 30)) {
				t.Errorf("point created %s moved to cold at %s, want %s", c, ev.Time, c.AddDate(0, 0, 30))
			}
		case "DELETED":
			deleted++
			if !ev.Time.Equal(c.AddDate(0, 0, 365)) {
				t.Errorf("point created %s deleted at %s, want %s", c, ev.Time, c.AddDate(0, 0, 365))
			}
		}
	}
	wantMoved, wantDeleted := 0, 0
	for _, c := range created {
		if !c.AddDate(0, 0, 30).After(now) {
			wantMoved++
		}
		if !c.AddDate(0, 0, 365).After(now) {
			wantDeleted++
		}
	}
	if moved != wantMoved || deleted != wantDeleted || wantDeleted != 3*36 {
		t.Fatalf("%d moved to cold and %d deleted; the lifecycle asks for %d and %d", moved, deleted, wantMoved, wantDeleted)
	}
	for _, typ := range []string{"BACKUP_JOB_STARTED", "BACKUP_JOB_SUCCESSFUL", "COPY_JOB_STARTED", "COPY_JOB_SUCCESSFUL"} {
		if jobEvents[typ] != 3*401 {
			t.Errorf("%d %s events in the log, want one per job (%d)", jobEvents[typ], typ, 3*401)
		}
	}
	if drDeleted != 3*(401-90) {
		t.Fatalf("%d DR copies deleted; the copy action's lifecycle asks for %d", drDeleted, 3*(401-90))
	}
	// Every night was copied, and the DR vault keeps its copies 90 days (the copy action's
	// lifecycle), counted from the source point's creation, which copies keep.
	if n := len(list(d.mustAWS(t, region, "backup", "list-copy-jobs", "--by-state", "COMPLETED")["CopyJobs"])); n != 3*401 {
		t.Fatalf("%d COMPLETED copy jobs after 401 nights, want %d", n, 3*401)
	}
	for _, p := range list(d.mustAWS(t, "eu-west-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "dr-vault")["RecoveryPoints"]) {
		if c := epoch(obj(p)["CreationDate"]); !c.AddDate(0, 0, 90).After(now) {
			t.Errorf("DR copy of a point created %s outlived its 90-day retention", c)
		}
	}
	if n := len(list(d.mustAWS(t, "eu-west-1", "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "dr-vault")["RecoveryPoints"])); n != 3*90 {
		t.Fatalf("%d points in dr-vault, want %d (the last 90 nights)", n, 3*90)
	}
	if scratchAfter := treeListing(t, srcs[scratchARN]); scratchAfter != scratchBefore {
		t.Fatal("the untagged resource's directory changed")
	}
	sum := d.mustAWS(t, region, "backup", "list-backup-job-summaries", "--aggregation-period", "FOURTEEN_DAYS")
	if s := list(sum["BackupJobSummaries"]); len(s) != 1 || obj(s[0])["Count"] != float64(42) || obj(s[0])["State"] != "COMPLETED" {
		t.Fatalf("list-backup-job-summaries printed %s; want 42 COMPLETED jobs in 14 days", toJSON(sum))
	}
}

// The daemon and an embedded engine (as the provider runs it) on one data dir: both move the
// fake clock at once, jobs run in whichever process claims them, and none runs twice.
func TestDaemonAndEmbeddedEngineShareTheSchedulerAndRunEachJobOnce(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	d := startDaemon(t, "--fake-clock", "2024-01-16T12:00:00Z")
	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	for i := range 3 {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("src%d", i))
		enginetest.WriteTree(t, dir, uint64(10+i))
		d.registerDir(t, dir, "Backup=true")
	}
	plan := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", nightlyPlanWithoutCopies))
	d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", plan["BackupPlanId"].(string), "--backup-selection", writeFile(t, "selection.json", guideSelectionDocument))

	ctx := context.Background()
	// Opened as the provider opens its embedded engine without allowed_paths.
	emb, err := engine.Open(ctx, engine.Options{DataDir: d.DataDir, Filesystem: engine.FilesystemAccess{Unconfined: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	if got := emb.Clock().Now(); !got.Equal(time.Date(2024, 1, 16, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("the embedded engine reads %s, not the daemon's fake time", got)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.clock(t, "advance", "3d") }()
	go func() {
		defer wg.Done()
		if _, err := emb.Service().Scheduler().AdvanceBy(ctx, 3*24*time.Hour, 0); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if got := d.clock(t, "show"); got != "2024-01-22T12:00:00Z (fake clock)" {
		t.Fatalf("after two 3-day advances the clock reads %q", got)
	}
	jobs := list(d.mustAWS(t, region, "backup", "list-backup-jobs")["BackupJobs"])
	if len(jobs) != 18 {
		t.Fatalf("%d jobs, want 18 (3 resources x 6 nights)", len(jobs))
	}
	perWindow := map[string]int{}
	for _, j := range jobs {
		j := obj(j)
		if j["State"] != "COMPLETED" {
			t.Fatalf("job %s", toJSON(j))
		}
		perWindow[j["ResourceArn"].(string)+"@"+epoch(j["CreationDate"]).String()]++
	}
	for k, n := range perWindow {
		if n != 1 {
			t.Errorf("%d jobs for %s", n, k)
		}
	}
	// Each job ran once: one STARTED event each, from whichever process ran it, in one log.
	evs, err := events.ReadLog(engine.EventLogPath(d.DataDir))
	if err != nil {
		t.Fatalf("the event log both processes append to is not whole JSON lines: %v", err)
	}
	started := map[string]int{}
	for _, ev := range evs {
		if ev.Type == "BACKUP_JOB_STARTED" {
			started[ev.BackupJobID]++
		}
	}
	for _, j := range jobs {
		id := obj(j)["BackupJobId"].(string)
		if started[id] != 1 {
			t.Errorf("job %s started %d times", id, started[id])
		}
	}
	if n := len(list(d.mustAWS(t, region, "backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", "prod-primary-vault")["RecoveryPoints"])); n != 18 {
		t.Fatalf("%d recovery points, want 18", n)
	}
}

// A daemon restarted with a later --fake-clock catches up as after downtime: the runs it missed
// expire, and the one whose start window is still open runs.
func TestDaemon_catchesUpAfterDowntime(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	d := startDaemon(t, "--fake-clock", "2024-01-16T12:00:00Z")
	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	dir := filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, dir, 7)
	d.registerDir(t, dir, "Backup=true")
	plan := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", nightlyPlanWithoutCopies))
	d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", plan["BackupPlanId"].(string), "--backup-selection", writeFile(t, "selection.json", guideSelectionDocument))
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	// Down for three nights; back at 02:30 on the 19th, within that night's start window.
	again := startDaemon(t, "--data-dir", d.DataDir, "--fake-clock", "2024-01-19T02:30:00Z")
	if got := again.clock(t, "advance", "0s"); !strings.HasPrefix(got, "2024-01-19T02:30:00Z") {
		t.Fatalf("after the restart the clock reads %q", got)
	}
	jobs := list(again.mustAWS(t, region, "backup", "list-backup-jobs")["BackupJobs"])
	states := map[string]string{}
	for _, j := range jobs {
		j := obj(j)
		states[epoch(j["CreationDate"]).Format("2006-01-02")] = j["State"].(string)
	}
	want := map[string]string{"2024-01-17": "EXPIRED", "2024-01-18": "EXPIRED", "2024-01-19": "COMPLETED"}
	if fmt.Sprint(states) != fmt.Sprint(want) {
		t.Fatalf("after the downtime the nights' jobs are %v, want %v\n%s", states, want, toJSON(jobs))
	}
}
