package jobs

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The kinds of queued task this package's handlers run.
const (
	KindBackup    = "backup"
	KindRestore   = "restore"
	KindCopy      = "copy"
	KindForget    = "forget-snapshot"
	KindCold      = "move-to-cold"
	KindLegalHold = "legal-hold"
	// A restore test's validation (or its wait for PutRestoreValidationResult) and the deletion
	// of its restored resource. Their handlers are package restoretesting's, which the assembly
	// gives the runner beside Handlers; the restore handler queues the first when a restore
	// test's job completes.
	KindRestoreTestValidate = "restore-test-validate"
	KindRestoreTestCleanup  = "restore-test-cleanup"
)

// Job state changes go through these functions, which do what a change implies besides storing
// the job: the task that runs it, the event the vault may notify, and (for backup jobs, in
// records) the job's entries in the due index. Events are recorded through rec; call
// rec.Recorded after the transaction commits.

// InsertBackupJob stores a new backup job (records.InsertBackupJob): queued when it is to run,
// or with its event when it is born finished (a scheduled job that expired or failed at once).
func InsertBackupJob(tx store.Tx, rec events.Recorder, j records.BackupJob) error {
	if err := records.InsertBackupJob(tx, j); err != nil {
		return err
	}
	if records.BackupJobDone(j.State) {
		return backupJobEvent(tx, rec, j)
	}
	return queue.Enqueue(tx, KindBackup, j.Key())
}

// SaveBackupJob stores a changed backup job (records.SaveBackupJob), recording the event of a new
// state.
func SaveBackupJob(tx store.Tx, rec events.Recorder, j records.BackupJob) error {
	changed, err := records.SaveBackupJob(tx, j)
	if err != nil || !changed {
		return err
	}
	return backupJobEvent(tx, rec, j)
}

// backupJobEvent records the event of a backup job's new state, if the state has one.
func backupJobEvent(tx store.Tx, rec events.Recorder, j records.BackupJob) error {
	ev := events.Event{State: j.State, AccountID: j.AccountID, Region: j.Region, VaultName: j.VaultName, VaultARN: j.VaultARN,
		ResourceARN: j.Resource.ARN, ResourceType: j.Resource.Type, BackupJobID: j.ID, StatusMessage: j.StatusMessage}
	switch j.State {
	case records.BackupJobRunning:
		ev.Type = "BACKUP_JOB_STARTED"
		ev.Message = fmt.Sprintf("An AWS Backup job was started. Resource ARN : %s. BackupJob ID : %s", j.Resource.ARN, j.ID)
	case records.BackupJobCompleted, records.BackupJobPartial:
		ev.Type, ev.RecoveryPointARN = "BACKUP_JOB_SUCCESSFUL", j.RecoveryPointARN
		ev.Message = fmt.Sprintf("An AWS Backup job was completed successfully. Recovery point ARN: %s. Resource ARN : %s. BackupJob ID : %s", j.RecoveryPointARN, j.Resource.ARN, j.ID)
		if j.State == records.BackupJobPartial {
			ev.Message = fmt.Sprintf("An AWS Backup job was completed with issues (%s). Recovery point ARN: %s. Resource ARN : %s. BackupJob ID : %s", j.StatusMessage, j.RecoveryPointARN, j.Resource.ARN, j.ID)
		}
	case records.BackupJobFailed, records.BackupJobAborted:
		ev.Type = "BACKUP_JOB_FAILED"
		ev.Message = fmt.Sprintf("An AWS Backup job failed (%s): %s. Resource ARN : %s. BackupJob ID : %s", j.State, j.StatusMessage, j.Resource.ARN, j.ID)
	case records.BackupJobExpired:
		ev.Type = "BACKUP_JOB_EXPIRED"
		ev.Message = fmt.Sprintf("An AWS Backup job expired: %s. Resource ARN : %s. BackupJob ID : %s", j.StatusMessage, j.Resource.ARN, j.ID)
	default:
		return nil
	}
	return events.RecordForVault(tx, rec, ev)
}

// InsertRestoreJob stores a new restore job: queued when it is to run, or with its event when it
// is born finished (a restore test whose point could not be restored).
func InsertRestoreJob(tx store.Tx, rec events.Recorder, j records.RestoreJob) error {
	if err := records.InsertDoc(tx, records.CollRestoreJobs, j.Key(), j); err != nil {
		return err
	}
	if records.RestoreJobDone(j.Status) {
		return restoreJobEvent(tx, rec, j)
	}
	return queue.Enqueue(tx, KindRestore, j.Key())
}

// SaveRestoreJob stores a changed restore job, recording the event of a new status.
func SaveRestoreJob(tx store.Tx, rec events.Recorder, j records.RestoreJob) error {
	return saveRestoreJob(tx, rec, j)
}

// saveRestoreJob stores a changed restore job (records.saveRestoreJob), recording the event of a
// new status.
func saveRestoreJob(tx store.Tx, rec events.Recorder, j records.RestoreJob) error {
	changed, err := records.SaveRestoreJob(tx, j)
	if err != nil || !changed {
		return err
	}
	return restoreJobEvent(tx, rec, j)
}

// restoreJobEvent records the event of a restore job's status, if the status has one.
func restoreJobEvent(tx store.Tx, rec events.Recorder, j records.RestoreJob) error {
	ev := events.Event{State: j.Status, AccountID: j.AccountID, Region: j.Region, VaultName: j.VaultName, VaultARN: j.VaultARN,
		ResourceARN: j.Source.ARN, ResourceType: j.Source.Type, RestoreJobID: j.ID, RecoveryPointARN: j.RecoveryPointARN, StatusMessage: j.StatusMessage}
	if j.RestoreTest != nil {
		ev.RestoreTestingPlanARN = j.RestoreTest.PlanARN
	}
	switch j.Status {
	case records.RestoreJobRunning:
		ev.Type = "RESTORE_JOB_STARTED"
		ev.Message = fmt.Sprintf("An AWS Backup restore job was started. Recovery point ARN: %s. RestoreJob ID : %s", j.RecoveryPointARN, j.ID)
	case records.RestoreJobCompleted:
		ev.Type = "RESTORE_JOB_SUCCESSFUL"
		ev.Message = fmt.Sprintf("An AWS Backup restore job was completed successfully. Recovery point ARN: %s. Created resource ARN : %s. RestoreJob ID : %s", j.RecoveryPointARN, j.CreatedResourceARN, j.ID)
	case records.RestoreJobFailed, records.RestoreJobAborted:
		ev.Type = "RESTORE_JOB_FAILED"
		ev.Message = fmt.Sprintf("An AWS Backup restore job failed (%s): %s. Recovery point ARN: %s. RestoreJob ID : %s", j.Status, j.StatusMessage, j.RecoveryPointARN, j.ID)
	default:
		return nil
	}
	return events.RecordForVault(tx, rec, ev)
}

// InsertCopyJob stores a new copy job and queues it.
func InsertCopyJob(tx store.Tx, j records.CopyJob) error {
	if err := records.InsertDoc(tx, records.CollCopyJobs, j.Key(), j); err != nil {
		return err
	}
	if err := records.PutDoc(tx, records.CollActiveCopies, j.DestVaultKey()+"/"+j.Key(), records.PointRef{ID: j.ID}); err != nil {
		return err
	}
	return queue.Enqueue(tx, KindCopy, j.Key())
}

// finishCopyJob records a finished copy job, with its event, and drops it from its vault's
// active copies.
func finishCopyJob(tx store.Tx, rec events.Recorder, j records.CopyJob) error {
	if err := records.DeleteIfExists(tx, records.CollActiveCopies, j.DestVaultKey()+"/"+j.Key()); err != nil {
		return err
	}
	if err := records.PutDoc(tx, records.CollCopyJobs, j.Key(), j); err != nil {
		return err
	}
	return copyJobEvent(tx, rec, j)
}

// copyJobEvent records the event of a copy job's state: COPY_JOB_STARTED, COPY_JOB_SUCCESSFUL or
// COPY_JOB_FAILED, notified by the source vault, whose account runs the job.
func copyJobEvent(tx store.Tx, rec events.Recorder, j records.CopyJob) error {
	ev := events.Event{State: j.State, AccountID: j.AccountID, Region: j.Region, VaultName: j.SourceVaultName, VaultARN: j.SourceVaultARN,
		ResourceARN: j.Resource.ARN, ResourceType: j.Resource.Type, CopyJobID: j.ID, RecoveryPointARN: j.SourcePointARN, StatusMessage: j.StatusMessage}
	switch j.State {
	case records.CopyJobRunning:
		ev.Type = "COPY_JOB_STARTED"
		ev.Message = fmt.Sprintf("An AWS Backup copy job was started. Recovery point ARN: %s. Destination backup vault ARN: %s. CopyJob ID : %s", j.SourcePointARN, j.DestVaultARN, j.ID)
	case records.CopyJobCompleted:
		ev.Type = "COPY_JOB_SUCCESSFUL"
		ev.Message = fmt.Sprintf("An AWS Backup copy job was completed successfully. Recovery point ARN: %s. Destination recovery point ARN: %s. CopyJob ID : %s", j.SourcePointARN, j.DestPointARN, j.ID)
	case records.CopyJobFailed:
		ev.Type = "COPY_JOB_FAILED"
		ev.Message = fmt.Sprintf("An AWS Backup copy job failed: %s. Recovery point ARN: %s. CopyJob ID : %s", j.StatusMessage, j.SourcePointARN, j.ID)
	default:
		return nil
	}
	return events.RecordForVault(tx, rec, ev)
}

// QueueForget queues the removal of rp's snapshot from the repository of rp's storage class, in
// the transaction that deletes the point (or moves it to another tier).
func QueueForget(tx store.Tx, rp records.RecoveryPoint) error {
	key := records.PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID)
	tier := ""
	if rp.StorageClass == records.StorageClassCold {
		key, tier = key+"/cold", records.StorageClassCold
	}
	if err := records.PutDoc(tx, records.CollPendingForgets, key, records.PendingForget{AccountID: rp.AccountID, Region: rp.Region, Vault: rp.VaultName, SnapshotID: rp.SnapshotID, Point: rp.ARN, Tier: tier}); err != nil {
		return err
	}
	return queue.Enqueue(tx, KindForget, key)
}

// ErrRemovalInFlight says a runner is removing data from the vault's repository right now.
var ErrRemovalInFlight = errors.New("the data of deleted recovery points is being removed")

// SettleDataRemovals makes way for removing a vault's repositories, in the transaction that
// deletes the vault: queued removals of deleted points' data are dropped, since the repository
// goes as a whole, and one a runner is carrying out right now refuses the deletion for the
// moment (ErrRemovalInFlight), so no GC ever writes into a directory being removed (or into the
// repository of a vault created again under the same name). AWS refuses to delete a vault whose
// points are still being deleted in the same way, and clients retry.
func SettleDataRemovals(tx store.Tx, v records.Vault) error {
	docs, err := tx.Scan(records.CollPendingForgets, "", "", 0)
	if err != nil {
		return err
	}
	for _, d := range docs {
		var pf records.PendingForget
		if err := json.Unmarshal(d.Value, &pf); err != nil {
			return fmt.Errorf("decode %s/%s: %w", records.CollPendingForgets, d.Key, err)
		}
		if pf.AccountID != v.AccountID || pf.Region != v.Region || pf.Vault != v.Name {
			continue
		}
		if _, claimed, err := queue.Claimed(tx, KindForget, d.Key); err != nil {
			return err
		} else if claimed {
			return ErrRemovalInFlight
		}
		if _, err := queue.Dequeue(tx, KindForget, d.Key); err != nil {
			return err
		}
		if err := tx.Delete(records.CollPendingForgets, d.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
