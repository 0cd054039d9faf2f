package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// backupHandler runs backup jobs.
type backupHandler struct{ x *executor }

func (h backupHandler) Start(tx store.Tx, t *queue.Task, stop bool) (bool, error) {
	j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key)
	if err != nil || !found || records.BackupJobDone(j.State) {
		return false, err
	}
	now := h.x.clock.Now()
	if stop || j.State == records.BackupJobAborting {
		j.State, j.StatusMessage, j.MessageCategory, j.CompletionDate = records.BackupJobAborted, "stopped by StopBackupJob before it started", CategoryAborted, now
		if j.StopReason != "" {
			j.StatusMessage = j.StopReason
		}
		return false, SaveBackupJob(tx, h.x.events, j)
	}
	if !j.StartBy.IsZero() && now.After(j.StartBy) {
		j.State, j.CompletionDate = records.BackupJobExpired, now
		j.StatusMessage = fmt.Sprintf("the job did not start within its start window (StartWindowMinutes %d, by %s): the engine was running other jobs (at most --max-concurrent-jobs at once) or was not running",
			j.StartWindowMinutes, j.StartBy.Format(time.RFC3339))
		return false, SaveBackupJob(tx, h.x.events, j)
	}
	j.State = records.BackupJobPending
	return true, SaveBackupJob(tx, h.x.events, j)
}

func (h backupHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key)
	if err != nil || !found || records.BackupJobDone(j.State) {
		return false, nil, err
	}
	j.CompletionDate = h.x.clock.Now()
	if j.State == records.BackupJobAborting {
		j.State, j.MessageCategory = records.BackupJobAborted, CategoryAborted
		j.StatusMessage = "stopped by StopBackupJob; " + reason + ". No recovery point was created."
		if j.StopReason != "" {
			j.StatusMessage = j.StopReason
		}
	} else {
		j.State, j.MessageCategory = records.BackupJobFailed, CategoryEngine
		j.StatusMessage = reason + ". No recovery point was created; start the job again."
	}
	return false, nil, SaveBackupJob(tx, h.x.events, j)
}

func (h backupHandler) Run(ctx context.Context, t *queue.Task) error {
	x := h.x
	var j records.BackupJob
	var v records.Vault
	var vaultFound bool
	var parent content.SnapshotID
	err := x.store.View(ctx, func(tx store.Tx) error {
		var err error
		if j, _, err = records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key); err != nil {
			return err
		}
		if v, vaultFound, err = records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(j.AccountID, j.Region, j.VaultName)); err != nil {
			return err
		}
		parent, err = latestSnapshot(tx, j.AccountID, j.Region, j.Resource.ARN, j.VaultName)
		return err
	})
	if err != nil {
		return err
	}
	log := x.log.With(slog.String("backup_job_id", j.ID), slog.String("resource_arn", j.Resource.ARN), slog.String("vault", j.VaultName))
	fail := func(err error) error { return h.finishUnsuccessful(ctx, t, log, err) }
	if !vaultFound {
		return fail(fmt.Errorf("backup vault %s was deleted before the job ran", j.VaultName))
	}
	conn, err := x.connectors.Connector(j.Resource.Type)
	if err != nil {
		return fail(err)
	}
	if err := records.CheckRetentionAllowed(v, j.Lifecycle); err != nil {
		return fail(err)
	}
	started := x.clock.Now()
	err = t.Update(ctx, func(tx store.Tx) error {
		cur, _, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key)
		if err != nil {
			return err
		}
		if cur.State == records.BackupJobPending {
			cur.State = records.BackupJobRunning
		}
		cur.InitiationDate = started
		return SaveBackupJob(tx, x.events, cur)
	})
	if err != nil {
		return err
	}
	x.events.Recorded()
	log.Info("backup job running", slog.String("parent_snapshot", string(parent)))
	if err := conn.CheckSource(ctx, j.Resource); err != nil {
		return fail(err)
	}
	release, err := x.repos.retainNewObjects(ctx, v, false, j.CreationDate, j.Lifecycle)
	if err != nil {
		return fail(err)
	}
	defer release()
	repo, err := x.openRepo(ctx, v, true)
	if err != nil {
		return fail(err)
	}
	var progress progressThrottle
	res, err := conn.Backup(ctx, repo, j.Resource, parent, func(p content.Progress) {
		progress.record(func() {
			err := t.Update(ctx, func(tx store.Tx) error {
				cur, _, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key)
				if err != nil {
					return err
				}
				cur.BytesTransferred, cur.BackupSizeInBytes = p.BytesTransferred, p.BytesTotal
				if p.BytesTotal > 0 {
					cur.PercentDone = min(99.9, 100*float64(p.BytesDone)/float64(p.BytesTotal))
				}
				return records.PutDoc(tx, records.CollBackupJobs, t.Key, cur)
			})
			if err != nil && ctx.Err() == nil {
				log.Warn("recording backup progress failed", slog.Any("error", err))
			}
		})
	})
	if err != nil {
		return fail(err)
	}
	if err := lockPointObjects(ctx, repo, v, j.CreationDate, j.Lifecycle, res.Snapshot.ID); err != nil {
		if ferr := repo.Forget(context.WithoutCancel(ctx), res.Snapshot.ID); ferr != nil {
			log.Error("forgetting a snapshot that could not be locked failed", slog.String("snapshot", string(res.Snapshot.ID)), slog.Any("error", ferr))
		}
		return fail(err)
	}
	// The snapshot is committed; the recovery point becomes visible in the same transaction that
	// completes the job, or, if that cannot happen, the snapshot is forgotten again.
	err = t.Finish(ctx, func(tx store.Tx) error { return h.complete(ctx, tx, t, res) })
	if err != nil {
		log.Error("recording a finished backup failed; forgetting its snapshot", slog.Any("error", err))
		if ferr := repo.Forget(context.WithoutCancel(ctx), res.Snapshot.ID); ferr != nil {
			log.Error("forgetting an unrecorded snapshot failed; GC cannot reclaim it", slog.String("snapshot", string(res.Snapshot.ID)), slog.Any("error", ferr))
		}
		return err
	}
	x.events.Recorded()
	t.Notify()
	x.wake()
	log.Info("backup job finished", slog.Int64("bytes", res.Bytes), slog.Int64("bytes_transferred", res.BytesTransferred), slog.Bool("partial", res.Partial))
	for _, w := range res.Warnings[:min(len(res.Warnings), 20)] {
		log.Warn("backup job warning", slog.String("warning", w))
	}
	return nil
}

// complete records a committed snapshot: the recovery point, its tags, and the job's outcome.
func (h backupHandler) complete(ctx context.Context, tx store.Tx, t *queue.Task, res resources.BackupResult) error {
	x := h.x
	now := x.clock.Now()
	j, _, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key)
	if err != nil {
		return err
	}
	j.CompletionDate = now
	j.BytesTransferred, j.BackupSizeInBytes = res.BytesTransferred, res.Bytes
	v, vaultFound, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(j.AccountID, j.Region, j.VaultName))
	if err != nil {
		return err
	}
	unrecorded := records.RecoveryPoint{ID: j.RecoveryPointID, ARN: j.RecoveryPointARN, AccountID: j.AccountID, Region: j.Region, VaultName: j.VaultName, SnapshotID: string(res.Snapshot.ID)}
	switch {
	case j.State == records.BackupJobAborting || errors.Is(context.Cause(ctx), queue.ErrStopRequested):
		j.State, j.MessageCategory = records.BackupJobAborted, CategoryAborted
		j.StatusMessage = "stopped by StopBackupJob as the data was being committed; no recovery point was kept"
		if j.StopReason != "" {
			j.StatusMessage = j.StopReason
		}
		if err := QueueForget(tx, unrecorded); err != nil {
			return err
		}
		return SaveBackupJob(tx, x.events, j)
	case !vaultFound:
		j.State, j.MessageCategory = records.BackupJobFailed, CategoryFailed
		j.StatusMessage = "backup vault " + j.VaultName + " was deleted while the job ran"
		return SaveBackupJob(tx, x.events, j)
	}
	// A lock put on the vault while the job ran applies to the point it would write.
	if err := records.CheckRetentionAllowed(v, j.Lifecycle); err != nil {
		j.State = records.BackupJobFailed
		j.StatusMessage, j.MessageCategory = failure(err, nil, noPoint)
		if err := QueueForget(tx, unrecorded); err != nil {
			return err
		}
		return SaveBackupJob(tx, x.events, j)
	}
	rp := records.RecoveryPoint{
		ID: j.RecoveryPointID, ARN: j.RecoveryPointARN, AccountID: j.AccountID, Region: j.Region,
		VaultName: v.Name, VaultARN: v.ARN, ResourceARN: j.Resource.ARN, ResourceType: j.Resource.Type,
		ResourceName: j.Resource.Name(), Resource: j.Resource, SnapshotID: string(res.Snapshot.ID),
		Status: records.RecoveryPointCompleted, StorageClass: records.StorageClassWarm, CreationDate: j.CreationDate,
		InitiationDate: j.InitiationDate, CompletionDate: now, BackupSizeInBytes: res.Bytes, Lifecycle: j.Lifecycle,
		EncryptionKeyARN: v.EncryptionKeyARN, EncryptionKeyType: v.EncryptionKeyType, IamRoleARN: j.IamRoleARN,
		BackupJobID: j.ID, CreatedBy: j.CreatedBy,
	}
	j.State, j.MessageCategory, j.PercentDone, j.StatusMessage = records.BackupJobCompleted, CategorySuccess, 100, ""
	if res.Partial {
		rp.Status, j.State, j.MessageCategory = records.RecoveryPointPartial, records.BackupJobPartial, CategoryPartial
		rp.StatusMessage = partialMessage(res.Warnings)
		j.StatusMessage = rp.StatusMessage
	}
	if err := records.InsertRecoveryPoint(tx, rp); err != nil {
		return err
	}
	if len(j.RecoveryPointTags) > 0 {
		if err := records.PutDoc(tx, records.CollTags, rp.ARN, j.RecoveryPointTags); err != nil {
			return err
		}
	}
	if err := records.TouchProtection(tx, j.Resource); err != nil {
		return err
	}
	if j.State == records.BackupJobCompleted {
		if err := x.startCopyActions(tx, j, v, rp); err != nil {
			return err
		}
	}
	return SaveBackupJob(tx, x.events, j)
}

// noPoint is what a failed backup cost.
const noPoint = "nothing was stored as a recovery point"

// partialMessage names the items a partial backup could not capture consistently.
func partialMessage(warnings []string) string {
	const shown = 5
	msg := "some items changed while they were read and were not captured consistently: " + strings.Join(warnings[:min(len(warnings), shown)], "; ")
	if len(warnings) > shown {
		msg += fmt.Sprintf(" (and %d more)", len(warnings)-shown)
	}
	return msg + ". Back up again when the files are quiet."
}

// finishUnsuccessful records a job that ended without a snapshot: ABORTED when it was stopped,
// FAILED otherwise, with a message that says what to do.
func (h backupHandler) finishUnsuccessful(ctx context.Context, t *queue.Task, log *slog.Logger, err error) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, queue.ErrLeaseLost) {
		return err
	}
	now := h.x.clock.Now()
	ferr := t.Finish(ctx, func(tx store.Tx) error {
		j, _, gerr := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, t.Key)
		if gerr != nil {
			return gerr
		}
		j.CompletionDate = now
		if errors.Is(cause, queue.ErrStopRequested) || j.State == records.BackupJobAborting {
			j.State, j.MessageCategory = records.BackupJobAborted, CategoryAborted
			j.StatusMessage = "stopped by StopBackupJob; no recovery point was created"
			if j.StopReason != "" {
				// Stopped by its completion window: what it wrote is discarded.
				j.StatusMessage = j.StopReason
				if err := queueVaultGC(tx, j.AccountID, j.Region, j.VaultName, j.ID); err != nil {
					return err
				}
			}
		} else {
			j.State = records.BackupJobFailed
			j.StatusMessage, j.MessageCategory = failure(err, cause, noPoint)
		}
		log.Warn("backup job did not complete", slog.String("state", j.State), slog.String("status_message", j.StatusMessage))
		return SaveBackupJob(tx, h.x.events, j)
	})
	h.x.events.Recorded()
	t.Notify()
	return ferr
}

// latestSnapshot returns the snapshot of the newest complete recovery point of a resource in a
// vault, the parent of an incremental backup; "" if there is none.
func latestSnapshot(tx store.Tx, account, region, resourceARN, vaultName string) (content.SnapshotID, error) {
	docs, err := tx.Scan(records.CollResourcePoints, account+"/"+region+"/"+resourceARN+"/", "", 0)
	if err != nil {
		return "", err
	}
	for _, d := range slices.Backward(docs) {
		var ref records.PointRef
		if err := json.Unmarshal(d.Value, &ref); err != nil {
			return "", fmt.Errorf("decode %s: %w", d.Key, err)
		}
		if ref.Vault != vaultName {
			continue
		}
		rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, records.PointKey(account, region, ref.Vault, ref.ID))
		if err != nil {
			return "", err
		}
		// A cold point's snapshot is in the cold repository, not the one the backup writes to.
		if found && rp.Status == records.RecoveryPointCompleted && rp.StorageClass != records.StorageClassCold {
			return content.SnapshotID(rp.SnapshotID), nil
		}
	}
	return "", nil
}
