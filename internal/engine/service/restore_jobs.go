package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Restore job statuses (the model's RestoreJobStatus), defined where they are stored.
const (
	RestoreJobPending   = records.RestoreJobPending
	RestoreJobRunning   = records.RestoreJobRunning
	RestoreJobCompleted = records.RestoreJobCompleted
	RestoreJobAborted   = records.RestoreJobAborted
	RestoreJobFailed    = records.RestoreJobFailed
)

// StartRestoreJob starts restoring a recovery point. The metadata is checked before the job is
// accepted (for EFS: newFileSystem, destination-path, ItemsToRestore), so a restore that could not
// work is refused with a message instead of becoming a FAILED job.
func (s *Service) StartRestoreJob(ctx context.Context, in *wire.StartRestoreJobInput) (*wire.StartRestoreJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.IamRoleArn != "" && !rules.IAMRolePattern().MatchString(in.IamRoleArn) {
		return nil, apierr.InvalidParameter("IamRoleArn %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME", in.IamRoleArn)
	}
	now := s.clock.Now()
	j := records.RestoreJob{ID: newJobID(), AccountID: c.AccountID, Region: c.Region, IamRoleARN: in.IamRoleArn, Metadata: maps.Clone(in.Metadata),
		CopySourceTags: deref(in.CopySourceTagsToRestoredResource), Status: RestoreJobPending, CreationDate: now, IdempotencyToken: in.IdempotencyToken}
	fp := fingerprint([]any{in.RecoveryPointArn, in.Metadata, in.IamRoleArn, in.ResourceType, in.CopySourceTagsToRestoredResource})
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if in.IdempotencyToken != "" {
			idemKey := c.scope() + "StartRestoreJob/" + in.IdempotencyToken
			rec, found, err := records.GetDoc[records.IdempotencyRecord](tx, records.CollIdempotency, idemKey)
			if err != nil {
				return err
			}
			if found {
				if rec.Fingerprint != fp {
					return apierr.InvalidReq("IdempotencyToken %q was already used by restore job %s for a different request: use a new token for a new job", in.IdempotencyToken, rec.JobID)
				}
				j.ID = rec.JobID
				return nil
			}
			if err := records.PutDoc(tx, records.CollIdempotency, idemKey, records.IdempotencyRecord{JobID: j.ID, Fingerprint: fp}); err != nil {
				return err
			}
		}
		_, rp, err := records.FindPointByARN(tx, c.AccountID, c.Region, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		if in.ResourceType != "" && in.ResourceType != rp.ResourceType {
			return apierr.InvalidParameter("ResourceType %s does not match recovery point %s, which is of a %s resource", in.ResourceType, rp.ARN, rp.ResourceType)
		}
		if rp.Status != RecoveryPointCompleted && rp.Status != RecoveryPointPartial {
			return apierr.InvalidReq("recovery point %s is %s and cannot be restored", rp.ARN, rp.Status)
		}
		if err := rp.RefuseDamaged("restored"); err != nil {
			return err
		}
		conn, err := s.connectors.Connector(rp.ResourceType)
		if err != nil {
			return err
		}
		plan, err := conn.PlanRestore(ctx, resources.RestoreRequest{
			Source: rp.Resource, Metadata: in.Metadata, JobID: j.ID, Now: now, Account: c.AccountID,
			Lookup: func(id string) (resources.Resource, bool, error) {
				return records.GetDoc[resources.Resource](tx, records.CollResources, records.ResourceKey(c.AccountID, c.Region, id))
			},
		})
		if err != nil {
			return err
		}
		if other, err := activeRestoreInto(tx, c, plan.Destination); err != nil {
			return err
		} else if other != "" {
			return apierr.InvalidReq("restore job %s is already restoring into %s: wait for it, or choose another destination-path", other, plan.Destination)
		}
		j.RecoveryPointARN, j.RecoveryPointCreationDate = rp.ARN, rp.CreationDate
		j.VaultName, j.VaultARN, j.Source, j.Plan, j.BackupSizeInBytes = rp.VaultName, rp.VaultARN, rp.Resource, plan, rp.BackupSizeInBytes
		if err := records.InsertDoc(tx, records.CollRestoreJobs, j.Key(), j); err != nil {
			return err
		}
		return queue.Enqueue(tx, jobs.KindRestore, j.Key())
	})
	if err != nil {
		return nil, internal("start restore job", err)
	}
	s.runner.Notify()
	return &wire.StartRestoreJobOutput{RestoreJobId: j.ID}, nil
}

// scanRestoreJobs calls fn with each of the caller's restore jobs until it returns true.
func scanRestoreJobs(tx store.Tx, c Caller, fn func(j *records.RestoreJob) bool) error {
	docs, err := tx.Scan(records.CollRestoreJobs, c.scope(), "", 0)
	if err != nil {
		return err
	}
	for _, d := range docs {
		var j records.RestoreJob
		if err := json.Unmarshal(d.Value, &j); err != nil {
			return fmt.Errorf("decode restore job %s: %w", d.Key, err)
		}
		if fn(&j) {
			return nil
		}
	}
	return nil
}

// activeRestoreInto returns the ID of an unfinished restore job writing to dest, or "".
func activeRestoreInto(tx store.Tx, c Caller, dest string) (string, error) {
	var id string
	err := scanRestoreJobs(tx, c, func(j *records.RestoreJob) bool {
		if !records.RestoreJobDone(j.Status) && j.Plan.Destination == dest {
			id = j.ID
		}
		return id != ""
	})
	return id, err
}

func restoreJobOut(j *records.RestoreJob) *wire.RestoreJob {
	out := restoreJobFields(j)
	if rt := j.RestoreTest; rt != nil {
		out.CreatedBy = &wire.RestoreJobCreator{RestoreTestingPlanArn: rt.PlanARN}
		out.ValidationStatus, out.ValidationStatusMessage = rt.ValidationStatus, rt.ValidationStatusMessage
		out.DeletionStatus, out.DeletionStatusMessage = rt.DeletionStatus, rt.DeletionStatusMessage
	}
	return out
}

func restoreJobFields(j *records.RestoreJob) *wire.RestoreJob {
	return &wire.RestoreJob{
		AccountId: j.AccountID, BackupSizeInBytes: j.BackupSizeInBytes, BackupVaultArn: j.VaultARN,
		CompletionDate: wire.NewTimestamp(j.CompletionDate), CreatedResourceArn: j.CreatedResourceARN, CreationDate: wire.NewTimestamp(j.CreationDate),
		IamRoleArn: j.IamRoleARN, PercentDone: fmt.Sprintf("%.1f", j.PercentDone), RecoveryPointArn: j.RecoveryPointARN,
		RecoveryPointCreationDate: wire.NewTimestamp(j.RecoveryPointCreationDate), ResourceType: j.Source.Type, RestoreJobId: j.ID,
		SourceResourceArn: j.Source.ARN, Status: j.Status, StatusMessage: j.StatusMessage,
	}
}

func findRestoreJob(tx store.Tx, c Caller, id string) (records.RestoreJob, error) {
	j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, records.JobKey(c.AccountID, c.Region, strings.ToUpper(id)))
	if err != nil {
		return j, err
	}
	if !found {
		return j, apierr.NotFound("restore job %s does not exist in account %s, region %s", id, c.AccountID, c.Region)
	}
	return j, nil
}

// DescribeRestoreJob describes a restore job.
func (s *Service) DescribeRestoreJob(ctx context.Context, in *wire.DescribeRestoreJobInput) (*wire.RestoreJob, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.RestoreJob
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, err := findRestoreJob(tx, c, in.RestoreJobId)
		if err != nil {
			return err
		}
		out = restoreJobOut(&j)
		return nil
	})
	if err != nil {
		return nil, internal("describe restore job", err)
	}
	return out, nil
}

// GetRestoreJobMetadata returns the metadata a restore job runs with: the request's, with the
// defaults it resolved filled in (for EFS, where the data goes: destination-path).
func (s *Service) GetRestoreJobMetadata(ctx context.Context, in *wire.DescribeRestoreJobInput) (*wire.GetRestoreJobMetadataOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetRestoreJobMetadataOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, err := findRestoreJob(tx, c, in.RestoreJobId)
		if err != nil {
			return err
		}
		out = &wire.GetRestoreJobMetadataOutput{Metadata: j.Plan.Metadata, RestoreJobId: j.ID}
		return nil
	})
	if err != nil {
		return nil, internal("get restore job metadata", err)
	}
	return out, nil
}

func timeFilter(t time.Time, after, before *wire.Timestamp) bool {
	if after != nil && (t.IsZero() || !t.After(after.Time())) {
		return false
	}
	if before != nil && (t.IsZero() || !t.Before(before.Time())) {
		return false
	}
	return true
}

// ListRestoreJobs lists the caller's restore jobs in the region, oldest first, with AWS's filters.
func (s *Service) ListRestoreJobs(ctx context.Context, in *wire.ListRestoreJobsInput) (*wire.ListRestoreJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListRestoreJobsOutput{RestoreJobs: []*wire.RestoreJob{}}
	if (in.ByAccountId != "" && in.ByAccountId != c.AccountID) || in.ByParentJobId != "" {
		return out, nil // no other accounts or composite jobs here
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollRestoreJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.RestoreJob) bool {
			return (in.ByResourceType == "" || j.Source.Type == in.ByResourceType) &&
				(in.ByRestoreTestingPlanArn == "" || (j.RestoreTest != nil && j.RestoreTest.PlanARN == in.ByRestoreTestingPlanArn)) &&
				(in.ByStatus == "" || j.Status == in.ByStatus) &&
				timeFilter(j.CreationDate, in.ByCreatedAfter, in.ByCreatedBefore) &&
				timeFilter(j.CompletionDate, in.ByCompleteAfter, in.ByCompleteBefore)
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.RestoreJobs = append(out.RestoreJobs, restoreJobOut(j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list restore jobs", err)
	}
	return out, nil
}

// ListRestoreJobsByProtectedResource lists the restore jobs of points taken of one resource.
func (s *Service) ListRestoreJobsByProtectedResource(ctx context.Context, in *wire.ListRestoreJobsByProtectedResourceInput) (*wire.ListRestoreJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.checkARN("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	out := &wire.ListRestoreJobsOutput{RestoreJobs: []*wire.RestoreJob{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollRestoreJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.RestoreJob) bool {
			return j.Source.ARN == in.ResourceArn && (in.ByStatus == "" || j.Status == in.ByStatus) &&
				timeFilter(j.RecoveryPointCreationDate, in.ByRecoveryPointCreationDateAfter, in.ByRecoveryPointCreationDateBefore)
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.RestoreJobs = append(out.RestoreJobs, restoreJobOut(j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list restore jobs by protected resource", err)
	}
	return out, nil
}
