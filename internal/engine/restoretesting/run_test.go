package restoretesting

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// scratchConn is an EFS connector that plans a restore to wherever the metadata says, and
// deletes with deleteErr.
type scratchConn struct {
	resources.Connector
	deleteErr error
}

func (scratchConn) Type() string { return resources.TypeEFS }
func (scratchConn) PlanRestore(_ context.Context, req resources.RestoreRequest) (resources.RestorePlan, error) {
	return resources.RestorePlan{Destination: req.Metadata[resources.MetaDestinationPath], NewResource: true, Metadata: req.Metadata}, nil
}
func (scratchConn) VerifyRestored(context.Context, *content.Repository, content.SnapshotID, resources.RestorePlan, resources.RestoreCheck) (string, error) {
	return "checked", nil
}
func (c scratchConn) DeleteRestored(context.Context, resources.RestorePlan) error { return c.deleteErr }

const (
	account = "123456789012"
	region  = "us-east-1"
)

type runEnv struct {
	s     *Service
	st    store.Store
	clock *clock.Fake
	sc    Scope
}

// newRunEnv is restore testing over a fresh store with one point of one directory, taken on
// Tuesday 2024-01-16, and a weekly plan (Sundays 03:00, a 2-hour start window) over it.
func newRunEnv(t *testing.T, conn scratchConn, overrides map[string]string) *runEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	fc := clock.NewFake(time.Date(2024, 1, 16, 12, 0, 0, 0, time.UTC))
	e := &runEnv{s: New(Config{Store: st, Clock: fc, Connectors: resources.Set{resources.TypeEFS: conn}}), st: st, clock: fc, sc: Scope{account, region}}
	src := resources.Resource{ARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1", Type: resources.TypeEFS, ID: "fs-1", Locator: "/srv/orders"}
	rp := records.RecoveryPoint{ID: "p1", ARN: "arn:aws:backup:us-east-1:123456789012:recovery-point:p1", AccountID: account, Region: region,
		VaultName: "v", VaultARN: "arn:aws:backup:us-east-1:123456789012:backup-vault:v", ResourceARN: src.ARN, ResourceType: resources.TypeEFS,
		Resource: src, Status: records.RecoveryPointCompleted, CreationDate: fc.Now()}
	if err := st.Update(ctx, func(tx store.Tx) error {
		return records.PutDoc(tx, records.CollRecoveryPoints, records.PointKey(account, region, "v", "p1"), rp)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreatePlan(ctx, e.sc, &wire.CreateRestoreTestingPlanInput{RestoreTestingPlan: &wire.RestoreTestingPlanForCreate{
		RestoreTestingPlanName: "weekly", ScheduleExpression: "cron(0 3 ? * SUN *)", StartWindowHours: ptr[int32](2),
		RecoveryPointSelection: &wire.RestoreTestingRecoveryPointSelection{Algorithm: AlgorithmLatest, IncludeVaults: []string{"*"}, RecoveryPointTypes: []string{PointTypeSnapshot}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreateSelection(ctx, e.sc, &wire.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: "weekly", RestoreTestingSelection: &wire.RestoreTestingSelectionForCreate{
		RestoreTestingSelectionName: "all", IamRoleArn: "arn:aws:iam::123456789012:role/r", ProtectedResourceType: resources.TypeEFS, ProtectedResourceArns: []string{"*"},
		RestoreMetadataOverrides: overrides}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func ptr[T any](v T) *T { return &v }

// due returns the due entries up to until.
func (e *runEnv) due(t *testing.T, until time.Time) []records.DueEntry {
	t.Helper()
	var out []records.DueEntry
	if err := e.st.View(context.Background(), func(tx store.Tx) error {
		var err error
		out, err = records.DueUntil(tx, until)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *runEnv) jobs(t *testing.T) []records.RestoreJob {
	t.Helper()
	var out []records.RestoreJob
	if err := e.st.View(context.Background(), func(tx store.Tx) error {
		return records.ScanDocs(tx, records.CollRestoreJobs, "", func(j *records.RestoreJob) { out = append(out, *j) })
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestARunLaterThanItsStartWindowIsSkippedAndTheNextOneRuns(t *testing.T) {
	e := newRunEnv(t, scratchConn{}, map[string]string{OverrideValidation: "builtin"})
	ctx := context.Background()
	sunday := time.Date(2024, 1, 21, 3, 0, 0, 0, time.UTC)
	due := e.due(t, sunday.AddDate(1, 0, 0))
	if len(due) != 1 || due[0].Kind != records.DueRestoreTestRun || !due[0].At.Equal(sunday) {
		t.Fatalf("due after CreatePlan: %+v; want the plan's run on Sunday 03:00", due)
	}
	// The engine was down until 05:01: past the 2-hour start window.
	late := sunday.Add(2*time.Hour + time.Minute)
	if started, err := e.s.RunDue(ctx, due[0], late); err != nil || started {
		t.Fatalf("late run: started %v, %v; want it skipped", started, err)
	}
	if j := e.jobs(t); len(j) != 0 {
		t.Fatalf("a run past its start window started %d restores", len(j))
	}
	next := e.due(t, sunday.AddDate(1, 0, 0))
	if len(next) != 1 || !next[0].At.Equal(sunday.AddDate(0, 0, 7)) {
		t.Fatalf("after the skipped run: due %+v; want the next Sunday", next)
	}
	// Within the window (two hours late exactly) it runs.
	if started, err := e.s.RunDue(ctx, next[0], next[0].At.Add(2*time.Hour)); err != nil || !started {
		t.Fatalf("run within the window: started %v, %v", started, err)
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].Status != records.RestoreJobPending || jobs[0].RestoreTest == nil || jobs[0].RestoreTest.Validation == nil ||
		!strings.HasPrefix(jobs[0].Plan.Destination, "/srv/restore-test-") || jobs[0].Metadata[OverrideValidation] != "" {
		t.Fatalf("the run's restore job: %+v; want a pending test into a scratch directory beside the original, the engine keys taken out", jobs)
	}
}

func TestCleanupThatCannotDeleteSaysSoAndWhatToDelete(t *testing.T) {
	// No validation window: the restored directory goes as soon as the restore completes.
	e := newRunEnv(t, scratchConn{deleteErr: errors.New("permission denied")}, nil)
	ctx := context.Background()
	due := e.due(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := e.s.RunDue(ctx, due[0], due[0].At); err != nil {
		t.Fatal(err)
	}
	// Complete the restore as the job runner would, then run the validation and cleanup tasks.
	j := e.jobs(t)[0]
	j.Status, j.CompletionDate = records.RestoreJobCompleted, due[0].At.Add(time.Minute)
	if err := e.st.Update(ctx, func(tx store.Tx) error { return records.PutDoc(tx, records.CollRestoreJobs, j.Key(), j) }); err != nil {
		t.Fatal(err)
	}
	runTask(t, e.st, e.s.Handlers(), "restore-test-validate", j.Key())
	got := e.jobs(t)[0].RestoreTest
	if got.ValidationStatus != "" || got.DeletionStatus != records.DeletionFailed ||
		!strings.Contains(got.DeletionStatusMessage, "permission denied") || !strings.Contains(got.DeletionStatusMessage, j.Plan.Destination) {
		t.Fatalf("after a failed deletion: %+v; want no validation, FAILED deletion naming the cause and the resource", got)
	}
}

// runTask queues one task and runs the queue with handlers until it is empty.
func runTask(t *testing.T, st store.Store, handlers map[string]queue.Handler, kind, key string) {
	t.Helper()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx store.Tx) error { return queue.Enqueue(tx, kind, key) }); err != nil {
		t.Fatal(err)
	}
	r := queue.NewRunner(st, nil, queue.Options{Poll: 10 * time.Millisecond}, handlers)
	r.Start()
	defer r.Stop(time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var busy bool
		if err := st.View(ctx, func(tx store.Tx) error {
			var err error
			busy, err = queue.Busy(tx, jobs.KindRestore) // the restore itself was "run" by hand above
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s %s did not finish", kind, key)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
