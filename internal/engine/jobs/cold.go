package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// coldHandler moves points to cold storage.
type coldHandler struct{ x *executor }

const maxColdAttempts = 5

func (h coldHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[records.PendingCold](tx, records.CollPendingCold, t.Key)
	return found, err
}

func (h coldHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	if t.Attempt < maxColdAttempts {
		return true, nil, nil
	}
	h.x.log.Error("giving up moving a recovery point to cold storage; it stays warm", slog.String("key", t.Key), slog.String("reason", reason))
	return false, nil, records.DeleteIfExists(tx, records.CollPendingCold, t.Key)
}

func (h coldHandler) Run(ctx context.Context, t *queue.Task) error {
	x := h.x
	var rp records.RecoveryPoint
	var v records.Vault
	var found bool
	err := x.store.View(ctx, func(tx store.Tx) error {
		var err error
		if rp, found, err = records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, t.Key); err != nil || !found {
			return err
		}
		v, _, err = records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(rp.AccountID, rp.Region, rp.VaultName))
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return records.DeleteIfExists(tx, records.CollPendingCold, t.Key) }
	if !found || rp.StorageClass != records.StorageClassWarm {
		return t.Finish(ctx, done) // deleted, or moved already
	}
	log := x.log.With(slog.String("recovery_point_arn", rp.ARN), slog.String("vault", rp.VaultName))
	warm, err := x.openRepo(ctx, v, false)
	if err != nil {
		return fmt.Errorf("open the warm repository of vault %s: %w", v.Name, err)
	}
	release, err := x.repos.retainNewObjects(ctx, v, true, rp.CreationDate, rp.Lifecycle)
	if err != nil {
		return fmt.Errorf("the Object Lock of vault %s's cold storage: %w", v.Name, err)
	}
	defer release()
	cold, err := x.openColdRepo(ctx, v, true)
	if err != nil {
		return fmt.Errorf("open the cold repository of vault %s: %w", v.Name, err)
	}
	snap, err := content.CopySnapshot(ctx, warm, cold, content.SnapshotID(rp.SnapshotID), nil)
	if err != nil {
		return fmt.Errorf("copy recovery point %s to cold storage: %w", rp.ARN, err)
	}
	// In cold storage as in warm, a locked vault's point is retained below the engine.
	if err := lockPointObjects(ctx, cold, v, rp.CreationDate, rp.Lifecycle, snap.ID); err != nil {
		if ferr := cold.Forget(context.WithoutCancel(ctx), snap.ID); ferr != nil {
			log.Error("forgetting a cold copy that could not be locked failed", slog.String("snapshot", string(snap.ID)), slog.Any("error", ferr))
		}
		return fmt.Errorf("move recovery point %s to cold storage: %w", rp.ARN, err)
	}
	now := x.clock.Now()
	moved := false
	err = t.Finish(ctx, func(tx store.Tx) error {
		moved = false
		cur, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, t.Key)
		if err != nil {
			return err
		}
		if err := done(tx); err != nil {
			return err
		}
		if !found || cur.StorageClass != records.StorageClassWarm || cur.SnapshotID != rp.SnapshotID {
			// Deleted (or changed) while its data was copied: the cold copy is not needed.
			orphan := rp
			orphan.StorageClass, orphan.SnapshotID = records.StorageClassCold, string(snap.ID)
			return QueueForget(tx, orphan)
		}
		warmCopy := cur
		cur.StorageClass, cur.SnapshotID = records.StorageClassCold, string(snap.ID)
		cur.StatusMessage = ""
		if err := records.PutDoc(tx, records.CollRecoveryPoints, t.Key, cur); err != nil {
			return err
		}
		if err := records.IndexPointLifecycle(tx, cur); err != nil {
			return err
		}
		if err := QueueForget(tx, warmCopy); err != nil {
			return err
		}
		moved = true
		var days int64
		if cur.Lifecycle != nil && cur.Lifecycle.MoveToColdStorageAfterDays != nil {
			days = *cur.Lifecycle.MoveToColdStorageAfterDays
		}
		return events.RecordForVault(tx, x.events, events.Event{Type: "RECOVERY_POINT_MODIFIED", State: records.StorageClassCold, Time: now, AccountID: cur.AccountID, Region: cur.Region,
			VaultName: cur.VaultName, VaultARN: cur.VaultARN, ResourceARN: cur.ResourceARN, ResourceType: cur.ResourceType, RecoveryPointARN: cur.ARN,
			Message: fmt.Sprintf("Recovery point %s moved to cold storage (MoveToColdStorageAfterDays %d).", cur.ARN, days)})
	})
	if err != nil {
		if ferr := cold.Forget(context.WithoutCancel(ctx), snap.ID); ferr != nil {
			log.Warn("forgetting an unrecorded cold copy failed; GC cannot reclaim it", slog.Any("error", ferr))
		}
		return err
	}
	t.Notify()
	x.events.Recorded()
	log.Info("recovery point moved to cold storage", slog.String("cold_snapshot", string(snap.ID)), slog.Bool("moved", moved))
	return nil
}
