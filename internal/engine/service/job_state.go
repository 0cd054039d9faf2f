package service

import (
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Job state changes go through these functions, which do what a change implies besides storing
// the job: the event the vault may notify, and (for backup jobs, in records) the job's entries in
// the due index.

// insertBackupJob stores a new backup job (records.InsertBackupJob): queued when it is to run,
// or with its event when it is born finished (a scheduled job that expired or failed at once).
func (s *Service) insertBackupJob(tx store.Tx, j records.BackupJob) error {
	if err := records.InsertBackupJob(tx, j); err != nil {
		return err
	}
	if records.BackupJobDone(j.State) {
		return s.backupJobEvent(tx, j)
	}
	return queue.Enqueue(tx, kindBackup, j.Key())
}

// saveBackupJob stores a changed backup job (records.SaveBackupJob), recording the event of a new
// state.
func (s *Service) saveBackupJob(tx store.Tx, j records.BackupJob) error {
	changed, err := records.SaveBackupJob(tx, j)
	if err != nil || !changed {
		return err
	}
	return s.backupJobEvent(tx, j)
}

// backupJobEvent records the event of a backup job's new state, if the state has one.
func (s *Service) backupJobEvent(tx store.Tx, j records.BackupJob) error {
	ev := events.Event{State: j.State, AccountID: j.AccountID, Region: j.Region, VaultName: j.VaultName, VaultARN: j.VaultARN,
		ResourceARN: j.Resource.ARN, ResourceType: j.Resource.Type, BackupJobID: j.ID, StatusMessage: j.StatusMessage}
	switch j.State {
	case BackupJobRunning:
		ev.Type = "BACKUP_JOB_STARTED"
		ev.Message = fmt.Sprintf("An AWS Backup job was started. Resource ARN : %s. BackupJob ID : %s", j.Resource.ARN, j.ID)
	case BackupJobCompleted, BackupJobPartial:
		ev.Type, ev.RecoveryPointARN = "BACKUP_JOB_SUCCESSFUL", j.RecoveryPointARN
		ev.Message = fmt.Sprintf("An AWS Backup job was completed successfully. Recovery point ARN: %s. Resource ARN : %s. BackupJob ID : %s", j.RecoveryPointARN, j.Resource.ARN, j.ID)
		if j.State == BackupJobPartial {
			ev.Message = fmt.Sprintf("An AWS Backup job was completed with issues (%s). Recovery point ARN: %s. Resource ARN : %s. BackupJob ID : %s", j.StatusMessage, j.RecoveryPointARN, j.Resource.ARN, j.ID)
		}
	case BackupJobFailed, BackupJobAborted:
		ev.Type = "BACKUP_JOB_FAILED"
		ev.Message = fmt.Sprintf("An AWS Backup job failed (%s): %s. Resource ARN : %s. BackupJob ID : %s", j.State, j.StatusMessage, j.Resource.ARN, j.ID)
	case BackupJobExpired:
		ev.Type = "BACKUP_JOB_EXPIRED"
		ev.Message = fmt.Sprintf("An AWS Backup job expired: %s. Resource ARN : %s. BackupJob ID : %s", j.StatusMessage, j.Resource.ARN, j.ID)
	default:
		return nil
	}
	return s.recordEvent(tx, ev)
}

// saveRestoreJob stores a changed restore job (records.SaveRestoreJob), recording the event of a
// new status.
func (s *Service) saveRestoreJob(tx store.Tx, j records.RestoreJob) error {
	changed, err := records.SaveRestoreJob(tx, j)
	if err != nil || !changed {
		return err
	}
	ev := events.Event{State: j.Status, AccountID: j.AccountID, Region: j.Region, VaultName: j.VaultName, VaultARN: j.VaultARN,
		ResourceARN: j.Source.ARN, ResourceType: j.Source.Type, RestoreJobID: j.ID, RecoveryPointARN: j.RecoveryPointARN, StatusMessage: j.StatusMessage}
	switch j.Status {
	case RestoreJobRunning:
		ev.Type = "RESTORE_JOB_STARTED"
		ev.Message = fmt.Sprintf("An AWS Backup restore job was started. Recovery point ARN: %s. RestoreJob ID : %s", j.RecoveryPointARN, j.ID)
	case RestoreJobCompleted:
		ev.Type = "RESTORE_JOB_SUCCESSFUL"
		ev.Message = fmt.Sprintf("An AWS Backup restore job was completed successfully. Recovery point ARN: %s. Created resource ARN : %s. RestoreJob ID : %s", j.RecoveryPointARN, j.CreatedResourceARN, j.ID)
	case RestoreJobFailed, RestoreJobAborted:
		ev.Type = "RESTORE_JOB_FAILED"
		ev.Message = fmt.Sprintf("An AWS Backup restore job failed (%s): %s. Recovery point ARN: %s. RestoreJob ID : %s", j.Status, j.StatusMessage, j.RecoveryPointARN, j.ID)
	default:
		return nil
	}
	return s.recordEvent(tx, ev)
}
