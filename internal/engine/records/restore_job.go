package records

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Restore job statuses (the model's RestoreJobStatus), as stored in RestoreJob.Status.
const (
	RestoreJobPending   = "PENDING"
	RestoreJobRunning   = "RUNNING"
	RestoreJobCompleted = "COMPLETED"
	RestoreJobAborted   = "ABORTED"
	RestoreJobFailed    = "FAILED"
)

// RestoreJob is a restore job as stored in CollRestoreJobs under JobKey.
type RestoreJob struct {
	ID                        string                `json:"id"`
	AccountID                 string                `json:"account_id"`
	Region                    string                `json:"region"`
	RecoveryPointARN          string                `json:"recovery_point_arn"`
	RecoveryPointCreationDate time.Time             `json:"recovery_point_creation_date"`
	VaultName                 string                `json:"vault_name"`
	VaultARN                  string                `json:"vault_arn"`
	Source                    resources.Resource    `json:"source"`
	IamRoleARN                string                `json:"iam_role_arn,omitempty"`
	Metadata                  map[string]string     `json:"metadata"`
	Plan                      resources.RestorePlan `json:"plan"`
	CopySourceTags            bool                  `json:"copy_source_tags,omitempty"`
	Status                    string                `json:"status"`
	StatusMessage             string                `json:"status_message,omitempty"`
	PercentDone               float64               `json:"percent_done"`
	BackupSizeInBytes         int64                 `json:"backup_size_in_bytes"`
	CreationDate              time.Time             `json:"creation_date"`
	CompletionDate            time.Time             `json:"completion_date,omitzero"`
	CreatedResourceARN        string                `json:"created_resource_arn,omitempty"`
	IdempotencyToken          string                `json:"idempotency_token,omitempty"`
	// RestoreTest is set on a job a restore testing plan started.
	RestoreTest *RestoreTest `json:"restore_test,omitempty"`
}

// ListOrder is the order ListRestoreJobs gives: creation time, then ID.
func (j *RestoreJob) ListOrder() (time.Time, string) { return j.CreationDate, j.ID }

// Key is the job's key in CollRestoreJobs.
func (j *RestoreJob) Key() string { return JobKey(j.AccountID, j.Region, j.ID) }

// RestoreJobDone reports whether a restore job in status has finished, for good.
func RestoreJobDone(status string) bool {
	return status == RestoreJobCompleted || status == RestoreJobAborted || status == RestoreJobFailed
}

// SaveRestoreJob stores a changed restore job and reports whether its status changed.
func SaveRestoreJob(tx store.Tx, j RestoreJob) (statusChanged bool, err error) {
	prev, found, err := GetDoc[RestoreJob](tx, CollRestoreJobs, j.Key())
	if err != nil {
		return false, err
	}
	if err := PutDoc(tx, CollRestoreJobs, j.Key(), j); err != nil {
		return false, err
	}
	return !found || prev.Status != j.Status, nil
}

// ActiveRestoreOf returns the ID of an unfinished restore job of account and region that reads
// recovery point pointARN, or "".
func ActiveRestoreOf(tx store.Tx, account, region, pointARN string) (string, error) {
	docs, err := tx.Scan(CollRestoreJobs, account+"/"+region+"/", "", 0)
	if err != nil {
		return "", err
	}
	for _, d := range docs {
		var j RestoreJob
		if err := json.Unmarshal(d.Value, &j); err != nil {
			return "", fmt.Errorf("decode restore job %s: %w", d.Key, err)
		}
		if !RestoreJobDone(j.Status) && j.RecoveryPointARN == pointARN {
			return j.ID, nil
		}
	}
	return "", nil
}
