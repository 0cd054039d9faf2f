package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// enforceWindow expires a backup job that has not started by its start window's end, and stops
// one still running at its completion window's end.
func (d Due) enforceWindow(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	stop := false
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		stop = false
		j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, e.Ref)
		if err != nil {
			return err
		}
		if !found || records.BackupJobDone(j.State) {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		_, claimed, err := queue.Claimed(tx, jobs.KindBackup, e.Ref)
		if err != nil {
			return err
		}
		if err := records.ClearDue(tx, e.Kind, e.Ref); err != nil {
			return err
		}
		switch {
		case !claimed && j.State == records.BackupJobCreated:
			if _, err := queue.Dequeue(tx, jobs.KindBackup, e.Ref); err != nil {
				return err
			}
			j.State, j.CompletionDate = records.BackupJobExpired, now
			j.StatusMessage = fmt.Sprintf("the job did not start within its start window (StartWindowMinutes %d, by %s): the engine was running other jobs (at most --max-concurrent-jobs at once) or was not running",
				j.StartWindowMinutes, j.StartBy.Format(time.RFC3339))
			return jobs.SaveBackupJob(tx, d.Events, j)
		case e.Kind == records.DueStartBy:
			return nil // it started: the runner has it
		case j.State == records.BackupJobAborting:
			return nil // already being stopped
		}
		// Still running at the end of its completion window.
		j.State = records.BackupJobAborting
		j.StopReason = fmt.Sprintf("the job did not finish within its completion window (CompleteWindowMinutes %d, by %s), so it was stopped; the data it had written was discarded and no recovery point was created",
			j.CompleteWindowMinutes, j.CompleteBy.Format(time.RFC3339))
		if _, err := queue.RequestStop(tx, jobs.KindBackup, e.Ref); err != nil {
			return err
		}
		stop = true
		return jobs.SaveBackupJob(tx, d.Events, j)
	})
	if err == nil && stop {
		d.Jobs.StopTask(jobs.KindBackup, e.Ref)
	}
	return stop, err
}
