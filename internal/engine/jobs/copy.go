package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// copyHandler runs copy jobs.
type copyHandler struct{ x *executor }

func (h copyHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
	if err != nil || !found || records.CopyJobDone(j.State) {
		return false, err
	}
	j.State = records.CopyJobRunning
	if err := records.PutDoc(tx, records.CollCopyJobs, t.Key, j); err != nil {
		return false, err
	}
	return true, copyJobEvent(tx, h.x.events, j)
}

func (h copyHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
	if err != nil || !found || records.CopyJobDone(j.State) {
		return false, nil, err
	}
	j.State, j.MessageCategory, j.CompletionDate = records.CopyJobFailed, CategoryEngine, h.x.clock.Now()
	j.StatusMessage = reason + ". " + noCopy + "; start the copy again."
	return false, nil, finishCopyJob(tx, h.x.events, j)
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
func (x *executor) checkCopyTargets(tx store.Tx, j records.CopyJob, now time.Time) (copyTargets, error) {
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
	// Cross-account backup may have been turned off since the job was queued.
	if ct.accessErr, err = crossAccountRefusal(tx, j); err != nil {
		return ct, err
	}
	switch {
	case ct.accessErr != nil:
	case j.DestAccountID != j.AccountID:
		// Another account's vault: whether it exists is not the source account's business, so a
		// missing vault reads like a refusal.
		if !ct.dstFound {
			ct.accessErr = apierr.New(apierr.AccessDenied, "backup vault %s does not exist, or its access policy does not grant backup:%s to account %s: create the vault and allow the copy in its access policy",
				j.DestVaultARN, records.ActionCopyInto, j.AccountID)
		} else {
			ct.accessErr = records.RequireVaultPolicyAllow(tx, ct.dst, j.AccountID, j.Region, records.ActionCopyInto, ct.dst.ARN, now)
		}
	case !ct.dstFound:
		ct.accessErr = apierr.NotFound("destination backup vault %s was deleted before the copy ran", j.DestVaultARN)
	default:
		ct.accessErr = records.RefuseByVaultPolicy(tx, ct.dst, j.AccountID, j.Region, records.ActionCopyInto, ct.dst.ARN, now)
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
	x := h.x
	started := x.clock.Now()
	var ct copyTargets
	err := x.store.View(ctx, func(tx store.Tx) error {
		j, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
		if err != nil {
			return err
		}
		ct, err = x.checkCopyTargets(tx, j, started)
		return err
	})
	if err != nil {
		return err
	}
	j := ct.job
	log := x.log.With(slog.String("copy_job_id", j.ID), slog.String("source", j.SourcePointARN), slog.String("destination_vault", j.DestVaultARN))
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
	srcRepo, err := x.openPointRepo(ctx, ct.src, ct.point.StorageClass) // a cold point copies from the cold tier
	if err != nil {
		return fail(fmt.Errorf("open the repository of source vault %s: %w", ct.src.Name, err))
	}
	release, err := x.repos.retainNewObjects(ctx, ct.dst, false, j.CreationDate, j.Lifecycle)
	if err != nil {
		return fail(fmt.Errorf("the Object Lock of destination vault %s: %w", ct.dst.Name, err))
	}
	defer release()
	dstRepo, err := x.openRepo(ctx, ct.dst, true)
	if err != nil {
		return fail(fmt.Errorf("open the repository of destination vault %s: %w", ct.dst.Name, err))
	}
	log.Info("copy job running", slog.String("snapshot", ct.point.SnapshotID))
	var progress progressThrottle
	snap, err := content.CopySnapshot(ctx, srcRepo, dstRepo, content.SnapshotID(ct.point.SnapshotID), func(n int64) {
		progress.record(func() {
			_ = t.Update(ctx, func(tx store.Tx) error {
				cur, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
				if err != nil {
					return err
				}
				cur.BytesTransferred = n
				return records.PutDoc(tx, records.CollCopyJobs, t.Key, cur)
			})
		})
	})
	if err != nil {
		return fail(err)
	}
	if err := lockPointObjects(ctx, dstRepo, ct.dst, j.CreationDate, j.Lifecycle, snap.ID); err != nil {
		if ferr := dstRepo.Forget(context.WithoutCancel(ctx), snap.ID); ferr != nil {
			log.Error("forgetting a snapshot that could not be locked failed", slog.String("snapshot", string(snap.ID)), slog.Any("error", ferr))
		}
		return fail(err)
	}
	err = t.Finish(ctx, func(tx store.Tx) error { return x.completeCopy(ctx, tx, t, snap) })
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
func (x *executor) completeCopy(ctx context.Context, tx store.Tx, t *queue.Task, snap content.Snapshot) error {
	now := x.clock.Now()
	j, _, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
	if err != nil {
		return err
	}
	ct, err := x.checkCopyTargets(tx, j, now)
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
		j.State = records.CopyJobFailed
		j.StatusMessage, j.MessageCategory = copyFailure(destRefusal, nil)
		if ct.dstFound {
			if err := QueueForget(tx, unrecorded); err != nil {
				return err
			}
		}
		return finishCopyJob(tx, x.events, j)
	}
	src := ct.point
	rp := records.RecoveryPoint{
		ID: j.DestPointID, ARN: j.DestPointARN, AccountID: j.DestAccountID, Region: j.DestRegion,
		VaultName: ct.dst.Name, VaultARN: ct.dst.ARN, ResourceARN: j.Resource.ARN, ResourceType: j.Resource.Type,
		ResourceName: j.Resource.Name(), Resource: j.Resource, SnapshotID: string(snap.ID),
		Status: records.RecoveryPointCompleted, StorageClass: records.StorageClassWarm, CreationDate: j.CreationDate,
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
	j.State, j.MessageCategory, j.StatusMessage, j.DestPointCreated = records.CopyJobCompleted, CategorySuccess, "", true
	j.DestVaultType, j.DestVaultLocked, j.DestKeyARN = ct.dst.Type, ct.dst.Lock != nil, ct.dst.EncryptionKeyARN
	return finishCopyJob(tx, x.events, j)
}

// copyFailure is failure() for copy jobs: refusals by a vault's access policy are ACCESS_DENIED.
func copyFailure(err, cause error) (msg, category string) {
	if apierr.Is(err, apierr.AccessDenied) {
		e, _ := apierr.As(err)
		return "Access Denied trying to call AWS Backup service: " + e.Message + ". " + noCopy + ".", CategoryAccessDenied
	}
	return failure(err, cause, strings.ToLower(noCopy[:1])+noCopy[1:])
}

// finishFailed records a copy job that ended without a point.
func (h copyHandler) finishFailed(ctx context.Context, t *queue.Task, log *slog.Logger, err error) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, queue.ErrLeaseLost) {
		return err
	}
	now := h.x.clock.Now()
	return t.Finish(ctx, func(tx store.Tx) error {
		j, _, gerr := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, t.Key)
		if gerr != nil {
			return gerr
		}
		j.State, j.CompletionDate = records.CopyJobFailed, now
		j.StatusMessage, j.MessageCategory = copyFailure(err, cause)
		log.Warn("copy job failed", slog.String("status_message", j.StatusMessage))
		return finishCopyJob(tx, h.x.events, j)
	})
}
