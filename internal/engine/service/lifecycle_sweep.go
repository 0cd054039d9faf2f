package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The lifecycle sweeper: recovery points move to cold storage MoveToColdStorageAfterDays after
// their creation and are deleted DeleteAfterDays after it, when the scheduler reaches those
// instants (the due index holds them; records.IndexPointLifecycle keeps it in step with every
// change of a point's lifecycle).
//
// # The cold tier
//
// Each vault has a second repository for cold storage, in a directory of its own (jobs.Repos
// ColdDir: <data dir>/cold/<account>/<region>/<vault>), with its own data key. Moving a point
// there is a queued task (it copies data, and must survive a restart): content.CopySnapshot copies
// the point's snapshot into the cold repository, and one transaction then switches the point to
// it (StorageClass COLD, the cold snapshot's ID) and queues the removal of the warm snapshot,
// which is forgotten and its unshared data collected like a deleted point's. Restores read from
// whichever repository the point is in. Only resource types whose connector says
// SupportsColdStorage (EFS) ever get a cold date: effectiveLifecycle drops it for the others.
//
// # Deletion
//
// A point whose retention has ended is deleted through the same path as DeleteRecoveryPoint: its
// documents go in one transaction that queues the forgetting of its snapshot. The deletion first
// passes checkPointExpirable, which applies the vault's lock and the rest of the single deletion
// gate (records.CheckPointDeletable: legal holds), but not the air gap's ban on deleting by hand. A point
// the gate keeps, or that a restore is reading, stays in the due index and is tried again at
// every scheduler pass, so it goes as soon as what kept it is gone (a legal hold cancelled).

// checkPointExpirable reports why a point whose retention has ended may not be deleted by its
// lifecycle yet, or nil. It is the deletion gate, records.CheckPointDeletable, except for the air gap:
// points in a logically air-gapped vault "cannot be deleted by hand, only by their lifecycle".
func checkPointExpirable(tx store.Tx, v records.Vault, rp records.RecoveryPoint, now time.Time) error {
	gate := v
	if gate.Type == VaultTypeAirGapped {
		gate.Type = VaultTypeBackup
	}
	return records.CheckPointDeletable(tx, gate, rp, now)
}

// startColdTransition queues the move of a point whose cold date has come.
func (s *Service) startColdTransition(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	queued := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		queued = false
		rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, e.Ref)
		if err != nil {
			return err
		}
		if !found || rp.StorageClass != StorageClassWarm {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		if at := rp.MoveToColdAt(); at.IsZero() || at.After(now) {
			return records.IndexPointLifecycle(tx, rp) // the lifecycle changed; the index is put right
		}
		if conn, ok := s.connectors[rp.ResourceType]; !ok || !conn.SupportsColdStorage() {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		if job, err := activeRestoreOf(tx, Caller{AccountID: rp.AccountID, Region: rp.Region}, rp.ARN); err != nil || job != "" {
			return err // a restore is reading the warm copy: move it at a later pass
		}
		if err := records.ClearDue(tx, e.Kind, e.Ref); err != nil {
			return err
		}
		if err := records.InsertDoc(tx, records.CollPendingCold, e.Ref, records.PendingCold{AccountID: rp.AccountID, Region: rp.Region, Vault: rp.VaultName, PointID: rp.ID}); errors.Is(err, store.ErrExists) {
			return nil
		} else if err != nil {
			return err
		}
		queued = true
		return jobs.Enqueue(tx, kindCold, e.Ref)
	})
	return queued, err
}

// expirePoint deletes a point whose retention has ended, unless something keeps it.
func (s *Service) expirePoint(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	deleted := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		deleted = false
		rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, e.Ref)
		if err != nil {
			return err
		}
		if !found {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		if until := rp.RetainUntil(); until.IsZero() || until.After(now) {
			return records.IndexPointLifecycle(tx, rp)
		}
		v, _, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(rp.AccountID, rp.Region, rp.VaultName))
		if err != nil {
			return err
		}
		keep := checkPointExpirable(tx, v, rp, now)
		if keep == nil {
			if job, err := activeRestoreOf(tx, Caller{AccountID: rp.AccountID, Region: rp.Region}, rp.ARN); err != nil {
				return err
			} else if job != "" {
				keep = fmt.Errorf("restore job %s is reading it", job)
			}
		}
		if keep == nil {
			if queued, _, err := jobs.Claimed(tx, kindCold, e.Ref); err != nil {
				return err
			} else if queued {
				keep = errors.New("it is being moved to cold storage")
			}
		}
		if keep != nil {
			msg := fmt.Sprintf("its retention ended at %s, and it is kept because %s; it is deleted once that no longer holds",
				rp.RetainUntil().Format(time.RFC3339), errMessage(keep))
			if rp.StatusMessage == msg {
				return nil
			}
			rp.StatusMessage = msg
			return records.PutDoc(tx, records.CollRecoveryPoints, e.Ref, rp)
		}
		if err := records.DeleteRecoveryPointDocs(tx, rp); err != nil {
			return err
		}
		if err := queueForget(tx, rp); err != nil {
			return err
		}
		deleted = true
		return s.recordEvent(tx, events.Event{Type: "RECOVERY_POINT_MODIFIED", State: "DELETED", AccountID: rp.AccountID, Region: rp.Region,
			VaultName: rp.VaultName, VaultARN: rp.VaultARN, ResourceARN: rp.ResourceARN, ResourceType: rp.ResourceType, RecoveryPointARN: rp.ARN,
			Message: fmt.Sprintf("Recovery point %s reached the end of its retention (DeleteAfterDays %d) and was deleted.", rp.ARN, deref(rp.Lifecycle.DeleteAfterDays))})
	})
	if err == nil && deleted {
		s.log.Info("lifecycle deleted a recovery point", slog.String("key", e.Ref))
	}
	return deleted, err
}

// errMessage is an error's message without an API error's code prefix.
func errMessage(err error) string {
	if e, ok := apierr.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// coldHandler moves points to cold storage.
type coldHandler struct{ s *Service }

const maxColdAttempts = 5

func (h coldHandler) Start(tx store.Tx, t *jobs.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[records.PendingCold](tx, records.CollPendingCold, t.Key)
	return found, err
}

func (h coldHandler) Abandoned(tx store.Tx, t *jobs.Task, reason string) (bool, func(), error) {
	if t.Attempt < maxColdAttempts {
		return true, nil, nil
	}
	h.s.log.Error("giving up moving a recovery point to cold storage; it stays warm", slog.String("key", t.Key), slog.String("reason", reason))
	return false, nil, records.DeleteIfExists(tx, records.CollPendingCold, t.Key)
}

func (h coldHandler) Run(ctx context.Context, t *jobs.Task) error {
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
			return queueForget(tx, orphan)
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
		if err := queueForget(tx, warmCopy); err != nil {
			return err
		}
		moved = true
		return s.recordEvent(tx, events.Event{Type: "RECOVERY_POINT_MODIFIED", State: StorageClassCold, Time: now, AccountID: cur.AccountID, Region: cur.Region,
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
	s.eventsRecorded()
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
