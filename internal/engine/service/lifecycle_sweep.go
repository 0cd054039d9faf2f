package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Moving points to cold storage (the lifecycle sweep that queues the moves is package
// scheduler's).
//
// Each vault has a second repository for cold storage, in a directory of its own (jobs.Repos
// ColdDir: <data dir>/cold/<account>/<region>/<vault>), with its own data key. Moving a point
// there is a queued task (it copies data, and must survive a restart): content.CopySnapshot copies
// the point's snapshot into the cold repository, and one transaction then switches the point to
// it (StorageClass COLD, the cold snapshot's ID) and queues the removal of the warm snapshot,
// which is forgotten and its unshared data collected like a deleted point's. Restores read from
// whichever repository the point is in.

// coldHandler moves points to cold storage.
type coldHandler struct{ s *Service }

const maxColdAttempts = 5

func (h coldHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[records.PendingCold](tx, records.CollPendingCold, t.Key)
	return found, err
}

func (h coldHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	if t.Attempt < maxColdAttempts {
		return true, nil, nil
	}
	h.s.log.Error("giving up moving a recovery point to cold storage; it stays warm", slog.String("key", t.Key), slog.String("reason", reason))
	return false, nil, records.DeleteIfExists(tx, records.CollPendingCold, t.Key)
}

func (h coldHandler) Run(ctx context.Context, t *queue.Task) error {
	s := h.s
	var rp records.RecoveryPoint
	var v records.Vault
	var found bool
	err := s.store.View(ctx, func(tx store.Tx) error {
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
	if !found || rp.StorageClass != StorageClassWarm {
		return t.Finish(ctx, done) // deleted, or moved already
	}
	log := s.log.With(slog.String("recovery_point_arn", rp.ARN), slog.String("vault", rp.VaultName))
	warm, err := s.openRepo(ctx, v, false)
	if err != nil {
		return fmt.Errorf("open the warm repository of vault %s: %w", v.Name, err)
	}
	cold, err := s.openColdRepo(ctx, v, true)
	if err != nil {
		return fmt.Errorf("open the cold repository of vault %s: %w", v.Name, err)
	}
	snap, err := content.CopySnapshot(ctx, warm, cold, content.SnapshotID(rp.SnapshotID), nil)
	if err != nil {
		return fmt.Errorf("copy recovery point %s to cold storage: %w", rp.ARN, err)
	}
	now := s.clock.Now()
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
		if !found || cur.StorageClass != StorageClassWarm || cur.SnapshotID != rp.SnapshotID {
			// Deleted (or changed) while its data was copied: the cold copy is not needed.
			orphan := rp
			orphan.StorageClass, orphan.SnapshotID = StorageClassCold, string(snap.ID)
			return jobs.QueueForget(tx, orphan)
		}
		warmCopy := cur
		cur.StorageClass, cur.SnapshotID = StorageClassCold, string(snap.ID)
		cur.StatusMessage = ""
		if err := records.PutDoc(tx, records.CollRecoveryPoints, t.Key, cur); err != nil {
			return err
		}
		if err := records.IndexPointLifecycle(tx, cur); err != nil {
			return err
		}
		if err := jobs.QueueForget(tx, warmCopy); err != nil {
			return err
		}
		moved = true
		return events.RecordForVault(tx, s.events, events.Event{Type: "RECOVERY_POINT_MODIFIED", State: StorageClassCold, Time: now, AccountID: cur.AccountID, Region: cur.Region,
			VaultName: cur.VaultName, VaultARN: cur.VaultARN, ResourceARN: cur.ResourceARN, ResourceType: cur.ResourceType, RecoveryPointARN: cur.ARN,
			Message: fmt.Sprintf("Recovery point %s moved to cold storage (MoveToColdStorageAfterDays %d).", cur.ARN, deref(cur.Lifecycle.MoveToColdStorageAfterDays))})
	})
	if err != nil {
		if ferr := cold.Forget(context.WithoutCancel(ctx), snap.ID); ferr != nil {
			log.Warn("forgetting an unrecorded cold copy failed; GC cannot reclaim it", slog.Any("error", ferr))
		}
		return err
	}
	s.runner.Notify()
	s.events.Recorded()
	log.Info("recovery point moved to cold storage", slog.String("cold_snapshot", string(snap.ID)), slog.Bool("moved", moved))
	return nil
}

// openColdRepo opens vault v's cold-storage repository.
func (s *Service) openColdRepo(ctx context.Context, v records.Vault, create bool) (*content.Repository, error) {
	if s.repos == nil {
		return nil, errors.New("this engine was started without a data dir for vault repositories")
	}
	return refusedRepo(s.repos.OpenCold(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, create))
}

// openPointRepo opens the repository holding a point's data: the vault's cold repository for a
// COLD point, its warm one otherwise.
func (s *Service) openPointRepo(ctx context.Context, v records.Vault, storageClass string) (*content.Repository, error) {
	if storageClass == StorageClassCold {
		return s.openColdRepo(ctx, v, false)
	}
	return s.openRepo(ctx, v, false)
}
