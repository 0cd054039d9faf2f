package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Copy jobs: a recovery point copied into another vault, in the same region or another, of the
// same account or another (StartCopyJob, and the CopyActions of a backup rule when its backup job
// completes).
//
// A copy job belongs to the account and region it was started in (the source's): that is where
// DescribeCopyJob and ListCopyJobs find it. Its recovery point is made in the destination vault's
// account and region, with an ARN there, and with the source point's creation date, resource and
// (unless the job gives one) lifecycle: "Copies retain their source configuration, including
// creation dates and retention period … You can override the retention period" (AWS Backup,
// Backup and tag copy). Its tags are the source point's.
//
// The job runs through the job runner (kind "copy"): content.CopySnapshot moves the data into the
// destination vault's repository (which may live in another region's storage directory, engine
// config), and the point appears in the transaction that completes the job. The destination's
// rules are checked when the job runs and again in that transaction: the vault must exist, its
// access policy must let the source account copy into it (records/vault_access.go), and its lock
// must accept the copy's retention (records.CheckRetentionAllowed); otherwise the job FAILS and
// no point is kept. Package jobs runs it.

// Copy job states (the model's CopyJobState), defined where they are stored.
const (
	CopyJobCreated   = records.CopyJobCreated
	CopyJobRunning   = records.CopyJobRunning
	CopyJobCompleted = records.CopyJobCompleted
	CopyJobFailed    = records.CopyJobFailed
)

// StartCopyJob starts copying a recovery point into another vault. Within the caller's account
// the destination vault must exist (ResourceNotFoundException otherwise); a vault of another
// account is looked up, and its access policy consulted, when the job runs, which FAILS the job
// (ACCESS_DENIED) if the vault does not exist or does not let the caller's account copy into it,
// as AWS does.
func (s *Service) StartCopyJob(ctx context.Context, in *wire.StartCopyJobInput) (*wire.StartCopyJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !rules.IAMRolePattern().MatchString(in.IamRoleArn) {
		return nil, apierr.InvalidParameter("IamRoleArn %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME (e.g. the AWSBackupDefaultServiceRole)", in.IamRoleArn)
	}
	if err := validateVaultARN(in.DestinationBackupVaultArn, "DestinationBackupVaultArn"); err != nil {
		return nil, err
	}
	if _, err := s.checkARN("DestinationBackupVaultArn", in.DestinationBackupVaultArn); err != nil {
		return nil, err
	}
	if _, err := records.PointIDFromARN(c.AccountID, c.Region, in.RecoveryPointArn); err != nil {
		return nil, err
	}
	if err := validateJobLifecycle(in.Lifecycle); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	j := records.CopyJob{ID: newJobID(), AccountID: c.AccountID, Region: c.Region, IamRoleARN: in.IamRoleArn, State: CopyJobCreated,
		CreationDate: now, IdempotencyToken: in.IdempotencyToken}
	fp := fingerprint([]any{in.SourceBackupVaultName, in.RecoveryPointArn, in.DestinationBackupVaultArn, in.IamRoleArn, in.Lifecycle})
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if in.IdempotencyToken != "" {
			idemKey := c.scope() + "StartCopyJob/" + in.IdempotencyToken
			rec, found, err := records.GetDoc[records.IdempotencyRecord](tx, records.CollIdempotency, idemKey)
			if err != nil {
				return err
			}
			if found {
				if rec.Fingerprint != fp {
					return apierr.InvalidReq("IdempotencyToken %q was already used by copy job %s for a different request: use a new token for a new job", in.IdempotencyToken, rec.JobID)
				}
				prev, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, records.JobKey(c.AccountID, c.Region, rec.JobID))
				j = prev
				return err
			}
			if err := records.PutDoc(tx, records.CollIdempotency, idemKey, records.IdempotencyRecord{JobID: j.ID, Fingerprint: fp}); err != nil {
				return err
			}
		}
		src, rp, err := records.FindPoint(tx, c.AccountID, c.Region, in.SourceBackupVaultName, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		if err := records.RefuseByVaultPolicy(tx, src, c.AccountID, c.Region, records.ActionStartCopyJob, rp.ARN, now); err != nil {
			return err
		}
		lc := in.Lifecycle
		if lc == nil {
			lc = rp.Lifecycle
		}
		if err := s.prepareCopy(tx, &j, src, rp, in.DestinationBackupVaultArn, lc); err != nil {
			return err
		}
		return jobs.InsertCopyJob(tx, j)
	})
	if err != nil {
		return nil, internal("start copy job", err)
	}
	s.runner.Notify()
	return &wire.StartCopyJobOutput{CopyJobId: j.ID, CreationDate: wire.NewTimestamp(j.CreationDate)}, nil
}

// prepareCopy checks that point rp can be copied and that destARN names a vault, then fills in
// the new copy job (jobs.PrepareCopy, which the copy actions of completed backup jobs share).
func (s *Service) prepareCopy(tx store.Tx, j *records.CopyJob, src records.Vault, rp records.RecoveryPoint, destARN string, lc *wire.Lifecycle) error {
	if rp.Status != RecoveryPointCompleted && rp.Status != RecoveryPointPartial {
		return apierr.InvalidReq("recovery point %s is %s and cannot be copied", rp.ARN, rp.Status)
	}
	if err := rp.RefuseDamaged("copied"); err != nil {
		return err
	}
	if rp.StorageClass == StorageClassCold {
		return apierr.InvalidReq("recovery point %s is in cold storage, and backups in cold storage cannot be copied (AWS Backup copies warm backups only)", rp.ARN)
	}
	a, err := s.checkARN("DestinationBackupVaultArn", destARN)
	if err != nil {
		return err
	}
	if err := records.CheckVaultNames(a.AccountID, a.Region, a.Name()); err != nil {
		return err
	}
	return jobs.PrepareCopy(tx, s.connectors, j, src, rp, jobs.CopyDestination{ARN: destARN, AccountID: a.AccountID, Region: a.Region, Name: a.Name()}, lc)
}

// activeCopyJobInto returns the ID of an unfinished copy job writing into vault v, or "".
func activeCopyJobInto(tx store.Tx, v records.Vault) (string, error) {
	docs, err := tx.Scan(records.CollActiveCopies, records.VaultKey(v.AccountID, v.Region, v.Name)+"/", "", 1)
	if err != nil || len(docs) == 0 {
		return "", err
	}
	var ref records.PointRef
	if err := json.Unmarshal(docs[0].Value, &ref); err != nil {
		return "", fmt.Errorf("decode %s: %w", docs[0].Key, err)
	}
	return ref.ID, nil
}

func copyJobOut(j *records.CopyJob) *wire.CopyJob {
	out := &wire.CopyJob{
		AccountId: j.AccountID, BackupSizeInBytes: j.BackupSizeInBytes, CompletionDate: wire.NewTimestamp(j.CompletionDate),
		CopyJobId: j.ID, CreatedBy: j.CreatedBy, CreatedByBackupJobId: j.CreatedByBackupJobID, CreationDate: wire.NewTimestamp(j.CreationDate),
		DestinationBackupVaultArn: j.DestVaultARN, DestinationEncryptionKeyArn: j.DestKeyARN,
		DestinationRecoveryPointLifecycle: j.Lifecycle, DestinationVaultType: j.DestVaultType, IamRoleArn: j.IamRoleARN,
		MessageCategory: j.MessageCategory, ResourceArn: j.Resource.ARN, ResourceName: j.Resource.Name(), ResourceType: j.Resource.Type,
		SourceBackupVaultArn: j.SourceVaultARN, SourceRecoveryPointArn: j.SourcePointARN, State: j.State, StatusMessage: j.StatusMessage,
	}
	if j.DestVaultType != "" {
		out.DestinationVaultLockState = "UNLOCKED"
		if j.DestVaultLocked {
			out.DestinationVaultLockState = "LOCKED"
		}
	}
	// The destination point's ARN is shown once the point exists.
	if j.DestPointCreated {
		out.DestinationRecoveryPointArn = j.DestPointARN
	}
	return out
}

func findCopyJob(tx store.Tx, c Caller, id string) (records.CopyJob, error) {
	j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, records.JobKey(c.AccountID, c.Region, strings.ToUpper(id)))
	if err != nil {
		return j, err
	}
	if !found {
		return j, apierr.NotFound("copy job %s does not exist in account %s, region %s (copy jobs are listed in the account and region they were started in)", id, c.AccountID, c.Region)
	}
	return j, nil
}

// DescribeCopyJob describes a copy job.
func (s *Service) DescribeCopyJob(ctx context.Context, in *wire.DescribeCopyJobInput) (*wire.DescribeCopyJobOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.DescribeCopyJobOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		j, err := findCopyJob(tx, c, in.CopyJobId)
		if err != nil {
			return err
		}
		out = &wire.DescribeCopyJobOutput{CopyJob: copyJobOut(&j)}
		return nil
	})
	if err != nil {
		return nil, internal("describe copy job", err)
	}
	return out, nil
}

// ListCopyJobs lists the copy jobs started in the caller's account and region, oldest first, with
// AWS's filters. ByMessageCategory accepts a category, or AGGREGATE_ALL, ANY or * for every job.
func (s *Service) ListCopyJobs(ctx context.Context, in *wire.ListCopyJobsInput) (*wire.ListCopyJobsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListCopyJobsOutput{CopyJobs: []*wire.CopyJob{}}
	if (in.ByAccountId != "" && in.ByAccountId != c.AccountID) || in.ByParentJobId != "" {
		return out, nil // no organisation, and no composite jobs, here
	}
	category := in.ByMessageCategory
	if category == "AGGREGATE_ALL" || category == "ANY" || category == "*" {
		category = ""
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		list, next, err := records.Page(tx, records.CollCopyJobs, c.scope(), in.NextToken, in.MaxResults, func(j *records.CopyJob) bool {
			return (in.ByDestinationVaultArn == "" || j.DestVaultARN == in.ByDestinationVaultArn) &&
				(in.ByResourceArn == "" || j.Resource.ARN == in.ByResourceArn) &&
				(in.ByResourceType == "" || j.Resource.Type == in.ByResourceType) &&
				(in.BySourceRecoveryPointArn == "" || j.SourcePointARN == in.BySourceRecoveryPointArn) &&
				(in.ByState == "" || j.State == in.ByState) &&
				(category == "" || strings.EqualFold(j.MessageCategory, category)) &&
				timeFilter(j.CreationDate, in.ByCreatedAfter, in.ByCreatedBefore) &&
				timeFilter(j.CompletionDate, in.ByCompleteAfter, in.ByCompleteBefore)
		})
		if err != nil {
			return err
		}
		for _, j := range list {
			out.CopyJobs = append(out.CopyJobs, copyJobOut(j))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list copy jobs", err)
	}
	return out, nil
}
