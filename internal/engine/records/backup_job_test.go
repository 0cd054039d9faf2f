package records_test

import (
	"context"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// A backup job's windows are in the due index while they can still close on it: both while it is
// CREATED, the completion window once it started, none once it finished. Saving the same state
// again is no transition.
func TestBackupJobTransitionsKeepTheDueIndex(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	t0 := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)
	j := records.BackupJob{ID: "job-1", AccountID: "123456789012", Region: "us-east-1", State: records.BackupJobCreated,
		StartBy: t0.Add(time.Hour), CompleteBy: t0.Add(8 * time.Hour)}
	dueKinds := func() []string {
		t.Helper()
		var kinds []string
		if err := db.View(ctx, func(tx store.Tx) error {
			due, err := records.DueUntil(tx, t0.Add(24*time.Hour))
			for _, e := range due {
				if e.Ref != j.Key() {
					t.Errorf("due entry for %q, want only %q", e.Ref, j.Key())
				}
				kinds = append(kinds, e.Kind)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return kinds
	}
	save := func(state string) bool {
		t.Helper()
		j.State = state
		var changed bool
		if err := db.Update(ctx, func(tx store.Tx) (err error) {
			changed, err = records.SaveBackupJob(tx, j)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return changed
	}

	if err := db.Update(ctx, func(tx store.Tx) error { return records.InsertBackupJob(tx, j) }); err != nil {
		t.Fatal(err)
	}
	if got := dueKinds(); len(got) != 2 || got[0] != records.DueStartBy || got[1] != records.DueCompleteBy {
		t.Fatalf("created: due %v, want start-by and complete-by", got)
	}
	if !save(records.BackupJobRunning) {
		t.Error("CREATED → RUNNING reported no state change")
	}
	if got := dueKinds(); len(got) != 1 || got[0] != records.DueCompleteBy {
		t.Fatalf("running: due %v, want complete-by", got)
	}
	if save(records.BackupJobRunning) {
		t.Error("RUNNING → RUNNING reported a state change")
	}
	if !save(records.BackupJobCompleted) {
		t.Error("RUNNING → COMPLETED reported no state change")
	}
	if got := dueKinds(); len(got) != 0 {
		t.Fatalf("completed: due %v, want none", got)
	}
}

// A job born finished has no windows to watch.
func TestBackupJobBornFinishedHasNoDeadlines(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	t0 := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)
	j := records.BackupJob{ID: "job-2", AccountID: "123456789012", Region: "us-east-1", State: records.BackupJobExpired,
		StartBy: t0.Add(time.Hour), CompleteBy: t0.Add(8 * time.Hour)}
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := records.InsertBackupJob(tx, j); err != nil {
			return err
		}
		due, err := records.DueUntil(tx, t0.Add(24*time.Hour))
		if len(due) != 0 {
			t.Errorf("due %v, want none", due)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
