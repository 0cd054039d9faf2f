package awsbackup

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// BackupJobFilter selects backup jobs: ListBackupJobs's filters. Zero fields do not filter.
type BackupJobFilter struct {
	AccountID, VaultName, ResourceARN, ResourceType, State, MessageCategory, ParentJobID string
	CreatedAfter, CreatedBefore, CompleteAfter, CompleteBefore                           time.Time
}

// BackupJob is a backup job as the data sources see it.
type BackupJob struct {
	ID, AccountID, State, StatusMessage, MessageCategory, PercentDone string
	ResourceARN, ResourceType, ResourceName                           string
	VaultName, VaultARN, RecoveryPointARN, IAMRoleARN                 string
	BackupPlanID, BackupRuleID                                        string
	CreationDate, CompletionDate, StartBy, ExpectedCompletionDate     time.Time
	BackupSizeInBytes, BytesTransferred                               int64
}

// ListBackupJobs lists the backup jobs f selects, in the order the API returns them (oldest
// first on the engine).
func ListBackupJobs(ctx context.Context, c *backup.Client, f BackupJobFilter) ([]BackupJob, error) {
	in := &backup.ListBackupJobsInput{
		ByAccountId: optional(f.AccountID), ByBackupVaultName: optional(f.VaultName), ByResourceArn: optional(f.ResourceARN),
		ByResourceType: optional(f.ResourceType), ByParentJobId: optional(f.ParentJobID), ByState: types.BackupJobState(f.State),
		ByMessageCategory: optional(f.MessageCategory),
		ByCreatedAfter:    optionalTime(f.CreatedAfter), ByCreatedBefore: optionalTime(f.CreatedBefore),
		ByCompleteAfter: optionalTime(f.CompleteAfter), ByCompleteBefore: optionalTime(f.CompleteBefore),
	}
	var out []BackupJob
	p := backup.NewListBackupJobsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list backup jobs: %w", err)
		}
		for _, j := range page.BackupJobs {
			bj := BackupJob{
				ID: aws.ToString(j.BackupJobId), AccountID: aws.ToString(j.AccountId), State: string(j.State), StatusMessage: aws.ToString(j.StatusMessage),
				MessageCategory: aws.ToString(j.MessageCategory), PercentDone: aws.ToString(j.PercentDone),
				ResourceARN: aws.ToString(j.ResourceArn), ResourceType: aws.ToString(j.ResourceType), ResourceName: aws.ToString(j.ResourceName),
				VaultName: aws.ToString(j.BackupVaultName), VaultARN: aws.ToString(j.BackupVaultArn), RecoveryPointARN: aws.ToString(j.RecoveryPointArn),
				IAMRoleARN: aws.ToString(j.IamRoleArn), CreationDate: aws.ToTime(j.CreationDate), CompletionDate: aws.ToTime(j.CompletionDate),
				StartBy: aws.ToTime(j.StartBy), ExpectedCompletionDate: aws.ToTime(j.ExpectedCompletionDate),
				BackupSizeInBytes: aws.ToInt64(j.BackupSizeInBytes), BytesTransferred: aws.ToInt64(j.BytesTransferred),
			}
			if j.CreatedBy != nil {
				bj.BackupPlanID, bj.BackupRuleID = aws.ToString(j.CreatedBy.BackupPlanId), aws.ToString(j.CreatedBy.BackupRuleId)
			}
			out = append(out, bj)
		}
	}
	return out, nil
}

// RestoreJobFilter selects restore jobs: ListRestoreJobs's filters. Zero fields do not filter.
type RestoreJobFilter struct {
	AccountID, ResourceType, Status, RestoreTestingPlanARN     string
	CreatedAfter, CreatedBefore, CompleteAfter, CompleteBefore time.Time
}

// RestoreJob is a restore job as the data sources see it.
type RestoreJob struct {
	ID, AccountID, Status, StatusMessage, PercentDone           string
	RecoveryPointARN, VaultARN, ResourceType, SourceResourceARN string
	CreatedResourceARN, IAMRoleARN                              string
	CreationDate, CompletionDate, RecoveryPointCreationDate     time.Time
	BackupSizeInBytes                                           int64
	// RestoreTestingPlanARN is set on the jobs a restore testing plan started, with the outcome
	// of their validation and of the cleanup of what they restored.
	RestoreTestingPlanARN                     string
	ValidationStatus, ValidationStatusMessage string
	DeletionStatus, DeletionStatusMessage     string
}

// ListRestoreJobs lists the restore jobs f selects.
func ListRestoreJobs(ctx context.Context, c *backup.Client, f RestoreJobFilter) ([]RestoreJob, error) {
	in := &backup.ListRestoreJobsInput{ByAccountId: optional(f.AccountID), ByResourceType: optional(f.ResourceType), ByStatus: types.RestoreJobStatus(f.Status),
		ByRestoreTestingPlanArn: optional(f.RestoreTestingPlanARN),
		ByCreatedAfter:          optionalTime(f.CreatedAfter), ByCreatedBefore: optionalTime(f.CreatedBefore),
		ByCompleteAfter: optionalTime(f.CompleteAfter), ByCompleteBefore: optionalTime(f.CompleteBefore)}
	var out []RestoreJob
	p := backup.NewListRestoreJobsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list restore jobs: %w", err)
		}
		for _, j := range page.RestoreJobs {
			rj := RestoreJob{
				ID: aws.ToString(j.RestoreJobId), AccountID: aws.ToString(j.AccountId), Status: string(j.Status), StatusMessage: aws.ToString(j.StatusMessage),
				PercentDone: aws.ToString(j.PercentDone), RecoveryPointARN: aws.ToString(j.RecoveryPointArn), VaultARN: aws.ToString(j.BackupVaultArn),
				ResourceType: aws.ToString(j.ResourceType), SourceResourceARN: aws.ToString(j.SourceResourceArn), CreatedResourceARN: aws.ToString(j.CreatedResourceArn),
				IAMRoleARN: aws.ToString(j.IamRoleArn), CreationDate: aws.ToTime(j.CreationDate), CompletionDate: aws.ToTime(j.CompletionDate),
				RecoveryPointCreationDate: aws.ToTime(j.RecoveryPointCreationDate), BackupSizeInBytes: aws.ToInt64(j.BackupSizeInBytes),
				ValidationStatus: string(j.ValidationStatus), ValidationStatusMessage: aws.ToString(j.ValidationStatusMessage),
				DeletionStatus: string(j.DeletionStatus), DeletionStatusMessage: aws.ToString(j.DeletionStatusMessage),
			}
			if j.CreatedBy != nil {
				rj.RestoreTestingPlanARN = aws.ToString(j.CreatedBy.RestoreTestingPlanArn)
			}
			out = append(out, rj)
		}
	}
	return out, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return aws.Time(t)
}
