package records

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Copy job states (the model's CopyJobState), as stored in CopyJob.State.
const (
	CopyJobCreated   = "CREATED"
	CopyJobRunning   = "RUNNING"
	CopyJobCompleted = "COMPLETED"
	CopyJobFailed    = "FAILED"
)

// CopyJob is a copy job as stored in CollCopyJobs under JobKey.
type CopyJob struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Region    string `json:"region"`

	SourceVaultName string             `json:"source_vault_name"`
	SourceVaultARN  string             `json:"source_vault_arn"`
	SourcePointARN  string             `json:"source_point_arn"`
	SourcePointID   string             `json:"source_point_id"`
	Resource        resources.Resource `json:"resource"`

	DestVaultARN     string `json:"dest_vault_arn"`
	DestAccountID    string `json:"dest_account_id"`
	DestRegion       string `json:"dest_region"`
	DestVaultName    string `json:"dest_vault_name"`
	DestVaultType    string `json:"dest_vault_type,omitempty"`
	DestVaultLocked  bool   `json:"dest_vault_locked,omitempty"`
	DestKeyARN       string `json:"dest_key_arn,omitempty"`
	DestPointID      string `json:"dest_point_id"`
	DestPointARN     string `json:"dest_point_arn"`
	DestPointCreated bool   `json:"dest_point_created,omitempty"`

	IamRoleARN           string                     `json:"iam_role_arn"`
	Lifecycle            *wire.Lifecycle            `json:"lifecycle,omitempty"`
	State                string                     `json:"state"`
	StatusMessage        string                     `json:"status_message,omitempty"`
	MessageCategory      string                     `json:"message_category,omitempty"`
	CreationDate         time.Time                  `json:"creation_date"`
	InitiationDate       time.Time                  `json:"initiation_date,omitzero"`
	CompletionDate       time.Time                  `json:"completion_date,omitzero"`
	BackupSizeInBytes    int64                      `json:"backup_size_in_bytes"`
	BytesTransferred     int64                      `json:"bytes_transferred"`
	IdempotencyToken     string                     `json:"idempotency_token,omitempty"`
	CreatedByBackupJobID string                     `json:"created_by_backup_job_id,omitempty"`
	CreatedBy            *wire.RecoveryPointCreator `json:"created_by,omitempty"`
}

// ListOrder is the order ListCopyJobs gives: creation time, then ID.
func (j *CopyJob) ListOrder() (time.Time, string) { return j.CreationDate, j.ID }

// Key is the job's key in CollCopyJobs.
func (j *CopyJob) Key() string { return JobKey(j.AccountID, j.Region, j.ID) }

// DestVaultKey is the key of the vault the job copies into.
func (j *CopyJob) DestVaultKey() string {
	return VaultKey(j.DestAccountID, j.DestRegion, j.DestVaultName)
}

// CopyJobDone reports whether a copy job in state has finished, for good.
func CopyJobDone(state string) bool { return state == CopyJobCompleted || state == CopyJobFailed }
