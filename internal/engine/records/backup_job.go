package records

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Backup job states (the model's BackupJobState), as stored in BackupJob.State.
const (
	BackupJobCreated   = "CREATED"
	BackupJobPending   = "PENDING"
	BackupJobRunning   = "RUNNING"
	BackupJobAborting  = "ABORTING"
	BackupJobAborted   = "ABORTED"
	BackupJobCompleted = "COMPLETED"
	BackupJobFailed    = "FAILED"
	BackupJobExpired   = "EXPIRED"
	BackupJobPartial   = "PARTIAL"
)

// BackupJob is a backup job as stored in CollBackupJobs under JobKey.
type BackupJob struct {
	ID                    string                     `json:"id"`
	AccountID             string                     `json:"account_id"`
	Region                string                     `json:"region"`
	VaultName             string                     `json:"vault_name"`
	VaultARN              string                     `json:"vault_arn"`
	VaultType             string                     `json:"vault_type"`
	Resource              resources.Resource         `json:"resource"` // the registry entry when the job was started
	IamRoleARN            string                     `json:"iam_role_arn"`
	State                 string                     `json:"state"`
	StatusMessage         string                     `json:"status_message,omitempty"`
	MessageCategory       string                     `json:"message_category,omitempty"`
	CreationDate          time.Time                  `json:"creation_date"`
	InitiationDate        time.Time                  `json:"initiation_date,omitzero"`
	CompletionDate        time.Time                  `json:"completion_date,omitzero"`
	StartBy               time.Time                  `json:"start_by"`
	CompleteBy            time.Time                  `json:"complete_by"`
	StartWindowMinutes    int64                      `json:"start_window_minutes"`
	CompleteWindowMinutes int64                      `json:"complete_window_minutes"`
	RecoveryPointID       string                     `json:"recovery_point_id"`
	RecoveryPointARN      string                     `json:"recovery_point_arn"`
	Lifecycle             *wire.Lifecycle            `json:"lifecycle,omitempty"`
	RecoveryPointTags     map[string]string          `json:"recovery_point_tags,omitempty"`
	IdempotencyToken      string                     `json:"idempotency_token,omitempty"`
	BytesTransferred      int64                      `json:"bytes_transferred"`
	BackupSizeInBytes     int64                      `json:"backup_size_in_bytes"`
	PercentDone           float64                    `json:"percent_done"`
	EncryptionKeyARN      string                     `json:"encryption_key_arn"`
	EncryptionKeyType     string                     `json:"encryption_key_type"`
	CreatedBy             *wire.RecoveryPointCreator `json:"created_by,omitempty"`
	// CopyActions are the rule's copy actions (scheduled jobs): when the job completes, a copy
	// job per action is queued in the same transaction (copy_jobs.go, startCopyActions).
	CopyActions []wire.CopyAction `json:"copy_actions,omitempty"`
	// StopReason says why the engine stopped the job (its completion window ended); empty when
	// it was stopped by StopBackupJob.
	StopReason string `json:"stop_reason,omitempty"`
}

// ListOrder is the order ListBackupJobs gives: creation time, then ID.
func (j *BackupJob) ListOrder() (time.Time, string) { return j.CreationDate, j.ID }

// ListOrderMembers names ListOrder's members in the stored document (OrderMembers).
func (*BackupJob) ListOrderMembers() (created, id string) { return "creation_date", "id" }

// Key is the job's key in CollBackupJobs.
func (j *BackupJob) Key() string { return JobKey(j.AccountID, j.Region, j.ID) }

// BackupJobDone reports whether a backup job in state has finished, for good.
func BackupJobDone(state string) bool {
	switch state {
	case BackupJobAborted, BackupJobCompleted, BackupJobFailed, BackupJobExpired, BackupJobPartial:
		return true
	}
	return false
}

// IdempotencyRecord remembers the job a StartBackupJob or StartRestoreJob token created.
type IdempotencyRecord struct {
	JobID       string `json:"job_id"`
	Fingerprint string `json:"fingerprint"`
}

// InsertBackupJob stores a new backup job, with its window deadlines in the due index when it is
// still to run. A job born finished (a scheduled job that expired or failed at once) has none.
func InsertBackupJob(tx store.Tx, j BackupJob) error {
	if err := InsertDoc(tx, CollBackupJobs, j.Key(), j); err != nil {
		return err
	}
	if BackupJobDone(j.State) {
		return nil
	}
	if !j.StartBy.IsZero() {
		if err := SetDue(tx, DueStartBy, j.Key(), j.StartBy); err != nil {
			return err
		}
	}
	if !j.CompleteBy.IsZero() {
		if err := SetDue(tx, DueCompleteBy, j.Key(), j.CompleteBy); err != nil {
			return err
		}
	}
	return nil
}

// SaveBackupJob stores a changed backup job and reports whether its state changed. A change of
// state updates the due index: a job that started has no start deadline any more, a finished one
// no deadline at all.
func SaveBackupJob(tx store.Tx, j BackupJob) (stateChanged bool, err error) {
	prev, found, err := GetDoc[BackupJob](tx, CollBackupJobs, j.Key())
	if err != nil {
		return false, err
	}
	if err := PutDoc(tx, CollBackupJobs, j.Key(), j); err != nil {
		return false, err
	}
	if found && prev.State == j.State {
		return false, nil
	}
	switch {
	case BackupJobDone(j.State):
		if err := ClearDue(tx, DueStartBy, j.Key()); err != nil {
			return false, err
		}
		if err := ClearDue(tx, DueCompleteBy, j.Key()); err != nil {
			return false, err
		}
	case j.State != BackupJobCreated:
		if err := ClearDue(tx, DueStartBy, j.Key()); err != nil {
			return false, err
		}
	}
	return true, nil
}
