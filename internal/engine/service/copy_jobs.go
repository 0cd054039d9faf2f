package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
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
// access policy must let the source account copy into it (vault_access.go), and its lock must
// accept the copy's retention (records.CheckRetentionAllowed); otherwise the job FAILS and no
// point is kept.

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
	if !iamRolePattern.MatchString(in.IamRoleArn) {
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
		if err := refuseByVaultPolicy(tx, src, c.AccountID, c.Region, actionStartCopyJob, rp.ARN, now); err != nil {
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

// prepareCopy fills in a new copy job of point rp of vault src into the vault destARN with
// lifecycle lc, checking what can be checked before it runs.
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
	j.DestVaultARN, j.DestAccountID, j.DestRegion, j.DestVaultName = destARN, a.AccountID, a.Region, a.Name()
	if a.AccountID == j.AccountID {
		dv, err := records.FindVault(tx, a.AccountID, a.Region, a.Name())
		if err != nil {
			return apierr.NotFound("destination backup vault %s does not exist: create it in account %s, region %s first", destARN, a.AccountID, a.Region)
		}
		if dv.Name == src.Name && dv.Region == src.Region {
			return apierr.InvalidParameter("DestinationBackupVaultArn %s is the source vault: copy into another vault", destARN)
		}
	}
	supportsCold := false
	if conn, ok := s.connectors[rp.ResourceType]; ok {
		supportsCold = conn.SupportsColdStorage()
	}
	j.SourceVaultName, j.SourceVaultARN, j.SourcePointARN, j.SourcePointID = src.Name, src.ARN, rp.ARN, rp.ID
	j.Resource, j.BackupSizeInBytes, j.CreatedBy = rp.Resource, rp.BackupSizeInBytes, rp.CreatedBy
	j.Lifecycle = effectiveLifecycle(lc, supportsCold)
	j.DestPointID = newPointID()
	j.DestPointARN = arns.RecoveryPoint(a.Region, a.AccountID, j.DestPointID)
	return nil
}

// startCopyActions queues a copy job per copy action of a backup job that has just completed with
// point rp, in the transaction that completes it. A copy action that cannot even start (its
// vault is gone, say) becomes a FAILED copy job that says why, so the failure is visible where
// copies are looked for.
func (s *Service) startCopyActions(tx store.Tx, bj records.BackupJob, src records.Vault, rp records.RecoveryPoint) error {
	for _, action := range bj.CopyActions {
		now := s.clock.Now()
		j := records.CopyJob{ID: newJobID(), AccountID: bj.AccountID, Region: bj.Region, IamRoleARN: bj.IamRoleARN, State: CopyJobCreated,
			CreationDate: now, CreatedByBackupJobID: bj.ID}
		lc := action.Lifecycle
		if lc == nil {
			lc = rp.Lifecycle
		}
		if err := s.prepareCopy(tx, &j, src, rp, action.DestinationBackupVaultArn, lc); err != nil {
			e, ok := apierr.As(err)
			if !ok {
				return err
			}
			j.State, j.StatusMessage, j.MessageCategory, j.CompletionDate = CopyJobFailed, e.Message, jobs.CategoryFailed, now
			j.SourceVaultName, j.SourceVaultARN, j.SourcePointARN, j.SourcePointID, j.Resource = src.Name, src.ARN, rp.ARN, rp.ID, rp.Resource
			if a, perr := arns.Parse(action.DestinationBackupVaultArn); perr == nil {
				j.DestVaultARN, j.DestAccountID, j.DestRegion, j.DestVaultName = action.DestinationBackupVaultArn, a.AccountID, a.Region, a.Name()
			}
			if err := records.InsertDoc(tx, records.CollCopyJobs, j.Key(), j); err != nil {
				return err
			}
			if err := jobs.CopyJobEvent(tx, s.events, j); err != nil {
				return err
			}
			continue
		}
		if err := jobs.InsertCopyJob(tx, j); err != nil {
			return err
		}
	}
	return nil
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

// copyHandler runs copy jobs.
type copyHandler struct{ s *Service }

func (h copyHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
	if err != nil || !found || records.CopyJobDone(j.State) {
		return false, err
	}
	j.State = CopyJobRunning
	if err := records.PutDoc(tx, records.CollCopyJobs, t.Key, j); err != nil {
		return false, err
	}
	return true, jobs.CopyJobEvent(tx, h.s.events, j)
}

func (h copyHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
	if err != nil || !found || records.CopyJobDone(j.State) {
		return false, nil, err
	}
	j.State, j.MessageCategory, j.CompletionDate = CopyJobFailed, jobs.CategoryEngine, h.s.clock.Now()
	j.StatusMessage = reason + ". " + noCopy + "; start the copy again."
	return false, nil, jobs.FinishCopyJob(tx, h.s.events, j)
}

// noCopy is what a failed copy cost.
const noCopy = "No recovery point was created in the destination vault"

// copyTargets are what a running copy job reads and writes, as the store had them.
type copyTargets struct {
	job                  records.CopyJob
	src, dst             records.Vault
	srcFound, dstFound   bool
	point                records.RecoveryPoint
	pointFound           bool
	sourceTags           map[string]string
	accessErr, retainErr error
}

// checkCopyTargets reads the job's vaults and source point and applies the destination's rules.
func (s *Service) checkCopyTargets(tx store.Tx, j records.CopyJob, now time.Time) (copyTargets, error) {
	ct := copyTargets{job: j}
	var err error
	if ct.src, ct.srcFound, err = records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(j.AccountID, j.Region, j.SourceVaultName)); err != nil {
		return ct, err
	}
	if ct.point, ct.pointFound, err = records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, records.PointKey(j.AccountID, j.Region, j.SourceVaultName, j.SourcePointID)); err != nil {
		return ct, err
	}
	if ct.pointFound {
		if ct.sourceTags, _, err = records.GetDoc[map[string]string](tx, records.CollTags, ct.point.ARN); err != nil {
			return ct, err
		}
	}
	if ct.dst, ct.dstFound, err = records.GetDoc[records.Vault](tx, records.CollVaults, j.DestVaultKey()); err != nil {
		return ct, err
	}
	switch {
	case j.DestAccountID != j.AccountID:
		// Another account's vault: whether it exists is not the source account's business, so a
		// missing vault reads like a refusal.
		if !ct.dstFound {
			ct.accessErr = apierr.New(apierr.AccessDenied, "backup vault %s does not exist, or its access policy does not grant backup:%s to account %s: create the vault and allow the copy in its access policy",
				j.DestVaultARN, actionCopyInto, j.AccountID)
		} else {
			ct.accessErr = requireVaultPolicyAllow(tx, ct.dst, j.AccountID, j.Region, actionCopyInto, ct.dst.ARN, now)
		}
	case !ct.dstFound:
		ct.accessErr = apierr.NotFound("destination backup vault %s was deleted before the copy ran", j.DestVaultARN)
	default:
		ct.accessErr = refuseByVaultPolicy(tx, ct.dst, j.AccountID, j.Region, actionCopyInto, ct.dst.ARN, now)
	}
	if ct.dstFound {
		ct.retainErr = records.CheckRetentionAllowed(ct.dst, j.Lifecycle)
	}
	return ct, nil
}

// refusal is why the copy may not write into the destination, or nil.
func (ct copyTargets) refusal() error {
	switch {
	case !ct.pointFound:
		return fmt.Errorf("recovery point %s was deleted before it could be copied", ct.job.SourcePointARN)
	case !ct.srcFound:
		return fmt.Errorf("backup vault %s was deleted before the copy ran", ct.job.SourceVaultName)
	case ct.accessErr != nil:
		return ct.accessErr
	}
	return ct.retainErr
}

func (h copyHandler) Run(ctx context.Context, t *queue.Task) error {
	s := h.s
	started := s.clock.Now()
	var ct copyTargets
	err := s.store.View(ctx, func(tx store.Tx) error {
		j, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
		if err != nil {
			return err
		}
		ct, err = s.checkCopyTargets(tx, j, started)
		return err
	})
	if err != nil {
		return err
	}
	j := ct.job
	log := s.log.With(slog.String("copy_job_id", j.ID), slog.String("source", j.SourcePointARN), slog.String("destination_vault", j.DestVaultARN))
	fail := func(err error) error { return h.finishFailed(ctx, t, log, err) }
	if err := ct.refusal(); err != nil {
		return fail(err)
	}
	err = t.Update(ctx, func(tx store.Tx) error {
		cur, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
		if err != nil {
			return err
		}
		cur.InitiationDate = started
		cur.DestVaultType, cur.DestVaultLocked, cur.DestKeyARN = ct.dst.Type, ct.dst.Lock != nil, ct.dst.EncryptionKeyARN
		return records.PutDoc(tx, records.CollCopyJobs, t.Key, cur)
	})
	if err != nil {
		return err
	}
	srcRepo, err := s.openPointRepo(ctx, ct.src, ct.point.StorageClass) // a cold point copies from the cold tier
	if err != nil {
		return fail(fmt.Errorf("open the repository of source vault %s: %w", ct.src.Name, err))
	}
	dstRepo, err := s.openRepo(ctx, ct.dst, true)
	if err != nil {
		return fail(fmt.Errorf("open the repository of destination vault %s: %w", ct.dst.Name, err))
	}
	log.Info("copy job running", slog.String("snapshot", ct.point.SnapshotID))
	var progressMu sync.Mutex
	var lastProgress time.Time
	snap, err := content.CopySnapshot(ctx, srcRepo, dstRepo, content.SnapshotID(ct.point.SnapshotID), func(n int64) {
		if !progressMu.TryLock() {
			return
		}
		defer progressMu.Unlock()
		if clock.Since(lastProgress) < progressInterval {
			return
		}
		lastProgress = clock.Wall()
		_ = t.Update(ctx, func(tx store.Tx) error {
			cur, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
			if err != nil {
				return err
			}
			cur.BytesTransferred = n
			return records.PutDoc(tx, records.CollCopyJobs, t.Key, cur)
		})
	})
	if err != nil {
		return fail(err)
	}
	err = t.Finish(ctx, func(tx store.Tx) error { return s.completeCopy(ctx, tx, t, snap) })
	if err != nil {
		log.Error("recording a finished copy failed; forgetting its snapshot", slog.Any("error", err))
		if ferr := dstRepo.Forget(context.WithoutCancel(ctx), snap.ID); ferr != nil {
			log.Error("forgetting an unrecorded snapshot failed; GC cannot reclaim it", slog.String("snapshot", string(snap.ID)), slog.Any("error", ferr))
		}
		return err
	}
	log.Info("copy job finished", slog.Int64("bytes", snap.Size), slog.Int64("bytes_stored", snap.StoredBytes))
	return nil
}

// completeCopy records a copied snapshot: the destination point and the job's outcome. The
// destination's rules are checked again, in this transaction: a vault deleted, a policy changed or
// a lock put while the copy ran fails the job, and the snapshot is forgotten.
func (s *Service) completeCopy(ctx context.Context, tx store.Tx, t *queue.Task, snap content.Snapshot) error {
	now := s.clock.Now()
	j, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
	if err != nil {
		return err
	}
	ct, err := s.checkCopyTargets(tx, j, now)
	if err != nil {
		return err
	}
	j.CompletionDate, j.BytesTransferred = now, snap.StoredBytes
	unrecorded := records.RecoveryPoint{ID: j.DestPointID, ARN: j.DestPointARN, AccountID: j.DestAccountID, Region: j.DestRegion, VaultName: j.DestVaultName, SnapshotID: string(snap.ID)}
	// Only the destination's rules matter now: the data is copied even if the source went away.
	destRefusal := ct.accessErr
	if destRefusal == nil {
		destRefusal = ct.retainErr
	}
	if destRefusal != nil {
		j.State = CopyJobFailed
		j.StatusMessage, j.MessageCategory = copyFailure(destRefusal, nil)
		if ct.dstFound {
			if err := jobs.QueueForget(tx, unrecorded); err != nil {
				return err
			}
		}
		return jobs.FinishCopyJob(tx, s.events, j)
	}
	src := ct.point
	rp := records.RecoveryPoint{
		ID: j.DestPointID, ARN: j.DestPointARN, AccountID: j.DestAccountID, Region: j.DestRegion,
		VaultName: ct.dst.Name, VaultARN: ct.dst.ARN, ResourceARN: j.Resource.ARN, ResourceType: j.Resource.Type,
		ResourceName: j.Resource.Name(), Resource: j.Resource, SnapshotID: string(snap.ID),
		Status: RecoveryPointCompleted, StorageClass: StorageClassWarm, CreationDate: j.CreationDate,
		InitiationDate: j.InitiationDate, CompletionDate: now, BackupSizeInBytes: j.BackupSizeInBytes, Lifecycle: j.Lifecycle,
		EncryptionKeyARN: ct.dst.EncryptionKeyARN, EncryptionKeyType: ct.dst.EncryptionKeyType, IamRoleARN: j.IamRoleARN,
		CreatedBy: j.CreatedBy, SourceVaultARN: j.SourceVaultARN, SourcePointARN: j.SourcePointARN, CopyJobID: j.ID,
	}
	if ct.pointFound {
		// "Copies retain their source configuration, including creation dates."
		rp.CreationDate, rp.Status, rp.StatusMessage = src.CreationDate, src.Status, src.StatusMessage
	}
	if err := records.InsertRecoveryPoint(tx, rp); err != nil {
		return err
	}
	if len(ct.sourceTags) > 0 {
		if err := records.PutDoc(tx, records.CollTags, rp.ARN, maps.Clone(ct.sourceTags)); err != nil {
			return err
		}
	}
	j.State, j.MessageCategory, j.StatusMessage, j.DestPointCreated = CopyJobCompleted, jobs.CategorySuccess, "", true
	j.DestVaultType, j.DestVaultLocked, j.DestKeyARN = ct.dst.Type, ct.dst.Lock != nil, ct.dst.EncryptionKeyARN
	return jobs.FinishCopyJob(tx, s.events, j)
}

// copyFailure is jobs.Failure() for copy jobs: refusals by a vault's access policy are ACCESS_DENIED.
func copyFailure(err, cause error) (msg, category string) {
	if apierr.Is(err, apierr.AccessDenied) {
		e, _ := apierr.As(err)
		return "Access Denied trying to call AWS Backup service: " + e.Message + ". " + noCopy + ".", jobs.CategoryAccessDenied
	}
	return jobs.Failure(err, cause, strings.ToLower(noCopy[:1])+noCopy[1:])
}

// finishFailed records a copy job that ended without a point.
func (h copyHandler) finishFailed(ctx context.Context, t *queue.Task, log *slog.Logger, err error) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, queue.ErrLeaseLost) {
		return err
	}
	now := h.s.clock.Now()
	return t.Finish(ctx, func(tx store.Tx) error {
		j, _, gerr := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
		if gerr != nil {
			return gerr
		}
		j.State, j.CompletionDate = CopyJobFailed, now
		j.StatusMessage, j.MessageCategory = copyFailure(err, cause)
		log.Warn("copy job failed", slog.String("status_message", j.StatusMessage))
		return jobs.FinishCopyJob(tx, h.s.events, j)
	})
}
