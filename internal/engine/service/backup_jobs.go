package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Backup job states (the model's BackupJobState), defined where they are stored.
const (
	BackupJobCreated   = records.BackupJobCreated
	BackupJobPending   = records.BackupJobPending
	BackupJobRunning   = records.BackupJobRunning
	BackupJobAborting  = records.BackupJobAborting
	BackupJobAborted   = records.BackupJobAborted
	BackupJobCompleted = records.BackupJobCompleted
	BackupJobFailed    = records.BackupJobFailed
	BackupJobExpired   = records.BackupJobExpired
	BackupJobPartial   = records.BackupJobPartial
)

// fingerprint is what makes two requests with one idempotency token the same request.
func fingerprint(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// validateResourceARN checks that arn names a resource type this engine backs up, and returns
// its connector.
func (s *Service) validateResourceARN(field, arn string) (resources.Connector, error) {
	if _, err := arns.Parse(arn); err != nil {
		return nil, apierr.InvalidParameter("%s %q is not a valid ARN: expected, for a directory, arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/fs-ID", field, arn)
	}
	if _, err := s.checkARN(field, arn); err != nil {
		return nil, err
	}
	t := resources.TypeOfARN(arn)
	if t == "" {
		return nil, apierr.InvalidParameter("%s %s is not the ARN of a resource type this engine backs up (%s)", field, arn, strings.Join(s.connectors.Types(), ", "))
	}
	return s.connectors.Connector(t)
}

func validateWindows(in *wire.StartBackupJobInput) (start, complete int64, err error) {
	start, complete = DefaultStartWindowMinutes, DefaultCompletionWindowMinutes
	if in.StartWindowMinutes != nil {
		start = *in.StartWindowMinutes
		if start < minStartWindowMinutes {
			return 0, 0, apierr.InvalidParameter("StartWindowMinutes must be at least %d when set, got %d; leave it out for the default of 8 hours", minStartWindowMinutes, start)
		}
	}
	if in.CompleteWindowMinutes != nil {
		complete = *in.CompleteWindowMinutes
		if complete < 1 {
			return 0, 0, apierr.InvalidParameter("CompleteWindowMinutes must be positive, got %d; leave it out for the default of 7 days", complete)
		}
	}
	return start, complete, nil
}

// StartBackupJob starts an on-demand backup of a registered resource into a vault. The job runs in
// the background; its recovery point appears, under the returned RecoveryPointArn, when the data
// is committed.
func (s *Service) StartBackupJob(ctx context.Context, in *wire.StartBackupJobInput) (*wire.StartBackupJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !rules.IAMRolePattern().MatchString(in.IamRoleArn) {
		return nil, apierr.InvalidParameter("IamRoleArn %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME (e.g. the AWSBackupDefaultServiceRole)", in.IamRoleArn)
	}
	conn, err := s.validateResourceARN("ResourceArn", in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := validateJobLifecycle(in.Lifecycle); err != nil {
		return nil, err
	}
	if err := validateTags(in.RecoveryPointTags); err != nil {
		return nil, err
	}
	start, complete, err := validateWindows(in)
	if err != nil {
		return nil, err
	}
	if len(in.BackupOptions) > 0 {
		if err := rules.AdvancedBackupSetting(conn.Type(), in.BackupOptions, "BackupOptions: "); err != nil {
			return nil, err
		}
	}
	if in.Index == "ENABLED" {
		return nil, apierr.InvalidParameter("Index: this engine does not build backup indexes; leave Index out or DISABLED")
	}
	if in.LogicallyAirGappedBackupVaultArn != "" {
		return nil, apierr.InvalidParameter("LogicallyAirGappedBackupVaultArn: back up into a backup vault and copy the recovery point to the air-gapped vault")
	}
	now := s.clock.Now()
	j := records.BackupJob{
		ID: newJobID(), AccountID: c.AccountID, Region: c.Region, IamRoleARN: in.IamRoleArn, State: BackupJobCreated,
		CreationDate: now, StartBy: now.Add(time.Duration(start) * time.Minute), CompleteBy: now.Add(time.Duration(complete) * time.Minute),
		StartWindowMinutes: start, CompleteWindowMinutes: complete,
		Lifecycle: records.EffectiveLifecycle(in.Lifecycle, conn.SupportsColdStorage()), RecoveryPointTags: maps.Clone(in.RecoveryPointTags),
		IdempotencyToken: in.IdempotencyToken,
	}
	j.RecoveryPointID = newPointID()
	j.RecoveryPointARN = arns.RecoveryPoint(c.Region, c.AccountID, j.RecoveryPointID)
	fp := fingerprint([]any{in.BackupVaultName, in.ResourceArn, in.IamRoleArn, in.Lifecycle, in.RecoveryPointTags, in.StartWindowMinutes, in.CompleteWindowMinutes})
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		if v.Type == VaultTypeAirGapped {
			return apierr.InvalidReq("backup vault %s is logically air-gapped: back up into a backup vault and copy the recovery point into it", v.Name)
		}
		r, err := records.FindResource(tx, c.AccountID, c.Region, in.ResourceArn)
		if err != nil {
			return err
		}
		if err := refuseOptedOutType(tx, c, r.Type); err != nil {
			return err
		}
		if in.IdempotencyToken != "" {
			idemKey := c.scope() + "StartBackupJob/" + in.IdempotencyToken
			rec, found, err := records.GetDoc[records.IdempotencyRecord](tx, records.CollIdempotency, idemKey)
			if err != nil {
				return err
			}
			if found {
				if rec.Fingerprint != fp {
					return apierr.InvalidReq("IdempotencyToken %q was already used by backup job %s for a different request: use a new token for a new job", in.IdempotencyToken, rec.JobID)
				}
				prev, _, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, records.JobKey(c.AccountID, c.Region, rec.JobID))
				j = prev
				return err
			}
			if err := records.PutDoc(tx, records.CollIdempotency, idemKey, records.IdempotencyRecord{JobID: j.ID, Fingerprint: fp}); err != nil {
				return err
			}
		}
		j.VaultName, j.VaultARN, j.VaultType = v.Name, v.ARN, v.Type
		j.EncryptionKeyARN, j.EncryptionKeyType = v.EncryptionKeyARN, v.EncryptionKeyType
		j.Resource = r
		j.Resource.BackupOptions = maps.Clone(in.BackupOptions)
		return jobs.InsertBackupJob(tx, s.events, j)
	})
	if err != nil {
		return nil, internal("start backup job", err)
	}
	s.runner.Notify()
	s.sched.Wake()
	return &wire.StartBackupJobOutput{BackupJobId: j.ID, CreationDate: wire.NewTimestamp(j.CreationDate), RecoveryPointArn: j.RecoveryPointARN}, nil
}

func backupJobOut(j *records.BackupJob) *wire.BackupJob {
	out := &wire.BackupJob{
		AccountId: j.AccountID, BackupJobId: j.ID, BackupSizeInBytes: j.BackupSizeInBytes, BackupVaultArn: j.VaultARN,
		BackupVaultName: j.VaultName, BytesTransferred: j.BytesTransferred, CompletionDate: wire.NewTimestamp(j.CompletionDate),
		CreatedBy: j.CreatedBy, CreationDate: wire.NewTimestamp(j.CreationDate), EncryptionKeyArn: j.EncryptionKeyARN,
		IamRoleArn: j.IamRoleARN, InitiationDate: wire.NewTimestamp(j.InitiationDate), IsEncrypted: true,
		MessageCategory: j.MessageCategory, PercentDone: fmt.Sprintf("%.1f", j.PercentDone),
		RecoveryPointLifecycle: j.Lifecycle, ResourceArn: j.Resource.ARN, ResourceName: j.Resource.Name(),
		ResourceType: j.Resource.Type, StartBy: wire.NewTimestamp(j.StartBy), State: j.State, StatusMessage: j.StatusMessage, VaultType: j.VaultType,
	}
	// A job that has not finished is expected to by the end of its completion window.
	if !records.BackupJobDone(j.State) {
		out.ExpectedCompletionDate = wire.NewTimestamp(j.CompleteBy)
	}
	// The point's ARN is shown once it exists; StartBackupJob already announced it.
	if j.State == BackupJobCompleted || j.State == BackupJobPartial {
		out.RecoveryPointArn = j.RecoveryPointARN
	}
	return out
}

func findBackupJob(tx store.Tx, c Caller, id string) (records.BackupJob, error) {
	j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, records.JobKey(c.AccountID, c.Region, strings.ToUpper(id)))
	if err != nil {
		return j, err
	}
	if !found {
		return j, apierr.NotFound("backup job %s does not exist in account %s, region %s", id, c.AccountID, c.Region)
	}
	return j, nil
}

// DescribeBackupJob describes a backup job, with its progress while it runs.
func (s *Service) DescribeBackupJob(ctx context.Context, in *wire.DescribeBackupJobInput) (*wire.DescribeBackupJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.DescribeBackupJobOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, err := findBackupJob(tx, c, in.BackupJobId)
		if err != nil {
			return err
		}
		out = &wire.DescribeBackupJobOutput{BackupJob: *backupJobOut(&j)}
		return nil
	})
	if err != nil {
		return nil, internal("describe backup job", err)
	}
	return out, nil
}

// ListBackupJobs lists the caller's backup jobs in the region, oldest first, with AWS's filters.
// ByMessageCategory accepts a category, or AGGREGATE_ALL / * for every job.
func (s *Service) ListBackupJobs(ctx context.Context, in *wire.ListBackupJobsInput) (*wire.ListBackupJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListBackupJobsOutput{BackupJobs: []*wire.BackupJob{}}
	if in.ByAccountId != "" && in.ByAccountId != c.AccountID {
		return out, nil // no organisation here: other accounts' jobs are not visible
	}
	category := in.ByMessageCategory
	if category == "AGGREGATE_ALL" || category == "*" {
		category = ""
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollBackupJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.BackupJob) bool {
			switch {
			case in.ByBackupVaultName != "" && j.VaultName != in.ByBackupVaultName,
				in.ByResourceArn != "" && j.Resource.ARN != in.ByResourceArn,
				in.ByResourceType != "" && j.Resource.Type != in.ByResourceType,
				in.ByState != "" && j.State != in.ByState,
				category != "" && !strings.EqualFold(j.MessageCategory, category),
				in.ByParentJobId != "", // no composite jobs: nothing has a parent
				in.ByCreatedAfter != nil && !j.CreationDate.After(in.ByCreatedAfter.Time()),
				in.ByCreatedBefore != nil && !j.CreationDate.Before(in.ByCreatedBefore.Time()),
				in.ByCompleteAfter != nil && (j.CompletionDate.IsZero() || !j.CompletionDate.After(in.ByCompleteAfter.Time())),
				in.ByCompleteBefore != nil && (j.CompletionDate.IsZero() || !j.CompletionDate.Before(in.ByCompleteBefore.Time())):
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.BackupJobs = append(out.BackupJobs, backupJobOut(j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list backup jobs", err)
	}
	return out, nil
}

// StopBackupJob stops a backup job. One that has not started yet ends ABORTED at once; a running
// one goes ABORTING and then ABORTED when its runner has stopped, and leaves no recovery point.
func (s *Service) StopBackupJob(ctx context.Context, in *wire.StopBackupJobInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var key string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		j, err := findBackupJob(tx, c, in.BackupJobId)
		if err != nil {
			return err
		}
		key = j.Key()
		switch {
		case records.BackupJobDone(j.State):
			return apierr.InvalidReq("backup job %s is %s already; only CREATED, PENDING and RUNNING jobs can be stopped", j.ID, j.State)
		case j.State == BackupJobAborting:
			return nil
		}
		queued, claimed, err := queue.Claimed(tx, jobs.KindBackup, key)
		if err != nil {
			return err
		}
		if claimed {
			// A runner holds it: it sees the request and records ABORTED when it has stopped.
			j.State = BackupJobAborting
			if _, err := queue.RequestStop(tx, jobs.KindBackup, key); err != nil {
				return err
			}
		} else {
			if queued {
				if _, err := queue.Dequeue(tx, jobs.KindBackup, key); err != nil {
					return err
				}
			}
			j.State, j.StatusMessage, j.MessageCategory, j.CompletionDate = BackupJobAborted, "stopped by StopBackupJob before it started", jobs.CategoryAborted, now
		}
		return jobs.SaveBackupJob(tx, s.events, j)
	})
	if err != nil {
		return nil, internal("stop backup job", err)
	}
	s.events.Recorded()
	s.runner.StopTask(jobs.KindBackup, key)
	return &struct{}{}, nil
}

// activeBackupJobInto returns the ID of a backup job into vault v that has not finished, or "".
func activeBackupJobInto(tx store.Tx, v records.Vault) (string, error) {
	docs, err := tx.Scan(records.CollBackupJobs, v.AccountID+"/"+v.Region+"/", "", 0)
	if err != nil {
		return "", err
	}
	for _, d := range docs {
		var j records.BackupJob
		if err := json.Unmarshal(d.Value, &j); err != nil {
			return "", fmt.Errorf("decode backup job %s: %w", d.Key, err)
		}
		if j.VaultName == v.Name && !records.BackupJobDone(j.State) {
			return j.ID, nil
		}
	}
	return "", nil
}
