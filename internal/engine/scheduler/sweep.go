package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
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
// Each vault has a second repository for cold storage, with its own data key. When a point's cold
// date comes, the sweep queues its move (jobs.KindCold); package jobs copies the snapshot there
// and switches the point over. Only resource types whose connector says SupportsColdStorage (EFS)
// ever get a cold date: records.EffectiveLifecycle drops it for the others.
//
// # Deletion
//
// A point whose retention has ended is deleted through the same path as DeleteRecoveryPoint: its
// documents go in one transaction that queues the forgetting of its snapshot. The deletion first
// passes checkPointExpirable, which applies the vault's lock and the rest of the single deletion
// gate (records.CheckPointDeletable: legal holds), but not the air gap's ban on deleting by
// hand. A point the gate keeps, or that a restore is reading, stays in the due index and is tried
// again at every scheduler pass, so it goes as soon as what kept it is gone (a legal hold
// cancelled).
//
// Below the engine, a locked vault's objects in an Object Lock bucket are retained by the S3
// server on its own, real clock, while the engine may run a fake clock ahead of it. A point whose
// retention ended on the engine's clock but whose snapshot object the server still retains
// (Due.Storage) is kept the same way, with the server's date in its StatusMessage: its record
// never goes while its objects must stay, and it is deleted at the first pass after the server's
// retention ends (on a fake clock, passes happen only when the clock is moved). GC defers retained packs on its own (content: blob.ErrRetained).

// checkPointExpirable reports why a point whose retention has ended may not be deleted by its
// lifecycle yet, or nil. It is the deletion gate, records.CheckPointDeletable, except for the air
// gap: points in a logically air-gapped vault "cannot be deleted by hand, only by their
// lifecycle".
func checkPointExpirable(tx store.Tx, v records.Vault, rp records.RecoveryPoint, now time.Time) error {
	gate := v
	if gate.Type == records.VaultTypeAirGapped {
		gate.Type = records.VaultTypeBackup
	}
	return records.CheckPointDeletable(tx, gate, rp, now)
}

// startColdTransition queues the move of a point whose cold date has come.
func (d Due) startColdTransition(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	queued := false
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		queued = false
		rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, e.Ref)
		if err != nil {
			return err
		}
		if !found || rp.StorageClass != records.StorageClassWarm {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		if at := rp.MoveToColdAt(); at.IsZero() || at.After(now) {
			return records.IndexPointLifecycle(tx, rp) // the lifecycle changed; the index is put right
		}
		if conn, ok := d.Connectors[rp.ResourceType]; !ok || !conn.SupportsColdStorage() {
			return records.ClearDue(tx, e.Kind, e.Ref)
		}
		if job, err := records.ActiveRestoreOf(tx, rp.AccountID, rp.Region, rp.ARN); err != nil || job != "" {
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
		return queue.Enqueue(tx, jobs.KindCold, e.Ref)
	})
	return queued, err
}

// storageKeeps is why the storage below the engine still keeps rp's data (see Due.Storage), or
// nil. It is asked outside the transaction that would delete the point, as it may send a request.
func (d Due) storageKeeps(ctx context.Context, rp records.RecoveryPoint) error {
	if d.Storage == nil {
		return nil
	}
	until, held, err := d.Storage.StorageRetention(ctx, rp)
	if err != nil {
		return fmt.Errorf("its storage could not say whether S3 Object Lock still retains its objects (%v)", err)
	}
	return records.StorageKeeps(until, held)
}

// expirePoint deletes a point whose retention has ended, unless something keeps it.
func (d Due) expirePoint(ctx context.Context, e records.DueEntry, now time.Time) (bool, error) {
	var storageKeep error
	err := d.Store.View(ctx, func(tx store.Tx) error {
		rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, e.Ref)
		if err != nil || !found {
			return err
		}
		if until := rp.RetainUntil(); !until.IsZero() && !until.After(now) {
			storageKeep = d.storageKeeps(ctx, rp)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	deleted := false
	err = d.Store.Update(ctx, func(tx store.Tx) error {
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
			if job, err := records.ActiveRestoreOf(tx, rp.AccountID, rp.Region, rp.ARN); err != nil {
				return err
			} else if job != "" {
				keep = fmt.Errorf("restore job %s is reading it", job)
			}
		}
		if keep == nil {
			if queued, _, err := queue.Claimed(tx, jobs.KindCold, e.Ref); err != nil {
				return err
			} else if queued {
				keep = errors.New("it is being moved to cold storage")
			}
		}
		if keep == nil {
			keep = storageKeep
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
		if err := records.DeleteRecoveryPoint(tx, rp); err != nil {
			return err
		}
		if err := jobs.QueueForget(tx, rp); err != nil {
			return err
		}
		deleted = true
		return events.RecordForVault(tx, d.Events, events.Event{Type: "RECOVERY_POINT_MODIFIED", State: "DELETED", AccountID: rp.AccountID, Region: rp.Region,
			VaultName: rp.VaultName, VaultARN: rp.VaultARN, ResourceARN: rp.ResourceARN, ResourceType: rp.ResourceType, RecoveryPointARN: rp.ARN,
			Message: fmt.Sprintf("Recovery point %s reached the end of its retention (DeleteAfterDays %d) and was deleted.", rp.ARN, deref(rp.Lifecycle.DeleteAfterDays))})
	})
	if err == nil && deleted {
		d.Log.Info("lifecycle deleted a recovery point", slog.String("key", e.Ref))
	}
	return deleted, err
}

// retryForget queues again the removal of a deleted point's data that the storage retained
// when it was first tried (jobs' forget handler set the entry at the retention's end).
func (d Due) retryForget(ctx context.Context, e records.DueEntry) (bool, error) {
	queued := false
	err := d.Store.Update(ctx, func(tx store.Tx) error {
		queued = false
		if err := records.ClearDue(tx, e.Kind, e.Ref); err != nil {
			return err
		}
		if _, found, err := records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, e.Ref); err != nil || !found {
			return err // the vault was deleted, its repository with it
		}
		if err := queue.Enqueue(tx, jobs.KindForget, e.Ref); errors.Is(err, store.ErrExists) {
			return nil
		} else if err != nil {
			return err
		}
		queued = true
		return nil
	})
	return queued, err
}

// errMessage is an error's message without an API error's code prefix.
func errMessage(err error) string {
	if e, ok := apierr.As(err); ok {
		return e.Message
	}
	return err.Error()
}
