package awsbackup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// DefaultIAMRoleARN is the role AWS Backup's console uses when none is chosen:
// AWSBackupDefaultServiceRole of the account.
func DefaultIAMRoleARN(account string) string {
	return "arn:aws:iam::" + account + ":role/service-role/AWSBackupDefaultServiceRole"
}

// Backup job states a job can still leave, and the ones a finished backup reaches.
var (
	backupJobPending = []string{string(types.BackupJobStateCreated), string(types.BackupJobStatePending), string(types.BackupJobStateRunning), string(types.BackupJobStateAborting)}
	backupJobDone    = []string{string(types.BackupJobStateCompleted), string(types.BackupJobStatePartial)}
	restoreJobPend   = []string{string(types.RestoreJobStatusPending), string(types.RestoreJobStatusRunning)}
	restoreJobDone   = []string{string(types.RestoreJobStatusCompleted)}
)

// FindBackupJob describes a backup job, or returns a NotFoundError.
func FindBackupJob(ctx context.Context, c *backup.Client, id string) (*backup.DescribeBackupJobOutput, error) {
	out, err := c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: aws.String(id)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("backup job %q", id), err)
	}
	return out, nil
}

// JobFailedError is returned by the job waiters when a job ends in a state other than success;
// Message is the job's StatusMessage.
type JobFailedError struct {
	Kind, ID, State, Message string
}

func (e *JobFailedError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no status message"
	}
	return fmt.Sprintf("%s job %s ended %s: %s", e.Kind, e.ID, e.State, msg)
}

// WaitBackupJobCompleted polls a backup job until it is COMPLETED or PARTIAL. A job that ends
// FAILED, ABORTED or EXPIRED is a *JobFailedError carrying its StatusMessage. progress, if set, is
// called after each poll.
func WaitBackupJobCompleted(ctx context.Context, c *backup.Client, id string, timeout time.Duration, progress func(*backup.DescribeBackupJobOutput)) (*backup.DescribeBackupJobOutput, error) {
	w := Waiter[*backup.DescribeBackupJobOutput]{
		Pending: backupJobPending, Target: backupJobDone, Timeout: timeout, Interval: 100 * time.Millisecond, MaxInterval: 2 * time.Second,
		Refresh: func(ctx context.Context) (*backup.DescribeBackupJobOutput, string, error) {
			out, err := FindBackupJob(ctx, c, id)
			if err != nil {
				return nil, "", err
			}
			return out, string(out.State), nil
		},
	}
	if progress != nil {
		w.Progress = func(v *backup.DescribeBackupJobOutput, _ string) { progress(v) }
	}
	out, err := w.Wait(ctx)
	var unexpected *UnexpectedStateError
	if errors.As(err, &unexpected) && out != nil {
		return out, &JobFailedError{Kind: "backup", ID: id, State: unexpected.Status, Message: aws.ToString(out.StatusMessage)}
	}
	return out, err
}

// FindRestoreJob describes a restore job, or returns a NotFoundError.
func FindRestoreJob(ctx context.Context, c *backup.Client, id string) (*backup.DescribeRestoreJobOutput, error) {
	out, err := c.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: aws.String(id)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("restore job %q", id), err)
	}
	return out, nil
}

// WaitRestoreJobCompleted polls a restore job until it is COMPLETED; FAILED or ABORTED is a
// *JobFailedError carrying its StatusMessage.
func WaitRestoreJobCompleted(ctx context.Context, c *backup.Client, id string, timeout time.Duration, progress func(*backup.DescribeRestoreJobOutput)) (*backup.DescribeRestoreJobOutput, error) {
	w := Waiter[*backup.DescribeRestoreJobOutput]{
		Pending: restoreJobPend, Target: restoreJobDone, Timeout: timeout, Interval: 100 * time.Millisecond, MaxInterval: 2 * time.Second,
		Refresh: func(ctx context.Context) (*backup.DescribeRestoreJobOutput, string, error) {
			out, err := FindRestoreJob(ctx, c, id)
			if err != nil {
				return nil, "", err
			}
			return out, string(out.Status), nil
		},
	}
	if progress != nil {
		w.Progress = func(v *backup.DescribeRestoreJobOutput, _ string) { progress(v) }
	}
	out, err := w.Wait(ctx)
	var unexpected *UnexpectedStateError
	if errors.As(err, &unexpected) && out != nil {
		return out, &JobFailedError{Kind: "restore", ID: id, State: unexpected.Status, Message: aws.ToString(out.StatusMessage)}
	}
	return out, err
}

// FindRecoveryPoint describes a recovery point in a vault, or returns a NotFoundError.
func FindRecoveryPoint(ctx context.Context, c *backup.Client, vault, arn string) (*backup.DescribeRecoveryPointOutput, error) {
	out, err := c.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: aws.String(vault), RecoveryPointArn: aws.String(arn)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("recovery point %q in vault %q", arn, vault), err)
	}
	return out, nil
}

// FindRecoveryPointByARN finds a recovery point by ARN alone, looking in every vault of the
// region; for imports that name only the ARN.
func FindRecoveryPointByARN(ctx context.Context, c *backup.Client, arn string) (*backup.DescribeRecoveryPointOutput, error) {
	p := backup.NewListBackupVaultsPaginator(c, &backup.ListBackupVaultsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list backup vaults: %w", err)
		}
		for _, v := range page.BackupVaultList {
			out, err := FindRecoveryPoint(ctx, c, aws.ToString(v.BackupVaultName), arn)
			if IsNotFound(err) {
				continue
			}
			return out, err
		}
	}
	return nil, &NotFoundError{What: fmt.Sprintf("recovery point %q in any backup vault", arn)}
}

// RecoveryPointFilter selects recovery points. Zero fields do not filter.
type RecoveryPointFilter struct {
	VaultName     string
	ResourceARN   string
	ResourceType  string
	Status        string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	// LegalHoldID keeps only the points the legal hold covers (ListRecoveryPointsByLegalHold).
	LegalHoldID string
}

// RecoveryPoint is a recovery point as the filters and data sources see it.
type RecoveryPoint struct {
	ARN, VaultName, ResourceARN, ResourceType, ResourceName, Status string
	CreationDate, CompletionDate                                    time.Time
	BackupSizeInBytes                                               int64
}

// ListRecoveryPoints lists the recovery points f selects, oldest first. With a vault it lists that
// vault; with a legal hold, the vaults of the points it covers; otherwise every vault of the
// region. An unknown vault or legal hold is a NotFoundError.
func ListRecoveryPoints(ctx context.Context, c *backup.Client, f RecoveryPointFilter) ([]RecoveryPoint, error) {
	vaults := []string{f.VaultName}
	var held map[string]bool
	if f.LegalHoldID != "" {
		members, err := ListRecoveryPointsByLegalHold(ctx, c, f.LegalHoldID)
		if err != nil {
			return nil, err
		}
		held = map[string]bool{}
		var holdVaults []string
		for _, m := range members {
			held[aws.ToString(m.RecoveryPointArn)] = true
			if v := aws.ToString(m.BackupVaultName); !slices.Contains(holdVaults, v) && (f.VaultName == "" || v == f.VaultName) {
				holdVaults = append(holdVaults, v)
			}
		}
		vaults = holdVaults
	} else if f.VaultName == "" {
		vaults = nil
		p := backup.NewListBackupVaultsPaginator(c, &backup.ListBackupVaultsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list backup vaults: %w", err)
			}
			for _, v := range page.BackupVaultList {
				vaults = append(vaults, aws.ToString(v.BackupVaultName))
			}
		}
	}
	var out []RecoveryPoint
	for _, vault := range vaults {
		in := &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(vault)}
		if f.ResourceARN != "" {
			in.ByResourceArn = aws.String(f.ResourceARN)
		}
		if f.ResourceType != "" {
			in.ByResourceType = aws.String(f.ResourceType)
		}
		if !f.CreatedAfter.IsZero() {
			in.ByCreatedAfter = aws.Time(f.CreatedAfter)
		}
		if !f.CreatedBefore.IsZero() {
			in.ByCreatedBefore = aws.Time(f.CreatedBefore)
		}
		p := backup.NewListRecoveryPointsByBackupVaultPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, notFoundOr(fmt.Sprintf("backup vault %q", vault), err)
			}
			for _, rp := range page.RecoveryPoints {
				if f.Status != "" && string(rp.Status) != f.Status {
					continue
				}
				if held != nil && !held[aws.ToString(rp.RecoveryPointArn)] {
					continue
				}
				out = append(out, RecoveryPoint{
					ARN: aws.ToString(rp.RecoveryPointArn), VaultName: aws.ToString(rp.BackupVaultName), ResourceARN: aws.ToString(rp.ResourceArn),
					ResourceType: aws.ToString(rp.ResourceType), ResourceName: aws.ToString(rp.ResourceName), Status: string(rp.Status),
					CreationDate: aws.ToTime(rp.CreationDate), CompletionDate: aws.ToTime(rp.CompletionDate),
					BackupSizeInBytes: aws.ToInt64(rp.BackupSizeInBytes),
				})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreationDate.Before(out[j].CreationDate) })
	return out, nil
}

// RestoreMetadata returns a recovery point's restore metadata.
func RestoreMetadata(ctx context.Context, c *backup.Client, vault, arn string) (map[string]string, error) {
	out, err := c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String(vault), RecoveryPointArn: aws.String(arn)})
	if err != nil {
		return nil, notFoundOr(fmt.Sprintf("recovery point %q in vault %q", arn, vault), err)
	}
	return out.RestoreMetadata, nil
}
