package service

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The rules that protect recovery points from deletion and retention changes. Every path of this
// file's callers that deletes a point or changes its lifecycle (DeleteRecoveryPoint — and so a
// vault's force_destroy, which deletes point by point through it — and
// UpdateRecoveryPointLifecycle) goes through these functions, so a rule added here holds on all of
// them. DeleteBackupVault needs none: it refuses any vault that still has points. The lifecycle
// sweeper expires points without asking checkPointDeletable (a lock allows expiry) but MUST defer
// every point pointHeld reports (legal_holds.go). The vault's own rules (locks, air-gapped
// vaults) are in vault_lock.go; legal holds are in legal_holds.go.

// checkPointDeletable reports why a recovery point may not be deleted by hand at now, or nil: a
// legal hold holding it (refuseHeldPointChange), or the vault's lock or air gap
// (refuseManualPointDeletion). The hold is checked first: it is the protection no amount of time
// ends, so its refusal says what actually has to change.
func checkPointDeletable(tx store.Tx, v records.Vault, rp records.RecoveryPoint, now time.Time) error {
	if err := refuseHeldPointChange(tx, rp, "deleted"); err != nil {
		return err
	}
	return v.RefuseManualPointDeletion(rp.ARN, rp.CreationDate, rp.RetainUntil(), now)
}

// checkHeldLifecycleChange reports why rp's lifecycle may not change to lc, or nil: a point held
// by a legal hold cannot have its retention shortened ("A legal hold is a restraint on altering
// or deleting a backup", CreateLegalHold), which would only move the moment it is deleted once
// released. Extending it, and changes that keep the retention's end, are allowed.
func checkHeldLifecycleChange(tx store.Tx, rp records.RecoveryPoint, lc *Lifecycle) error {
	next := rp
	next.Lifecycle = lc
	before, after := rp.RetainUntil(), next.RetainUntil()
	shortened := !after.IsZero() && (before.IsZero() || after.Before(before))
	if !shortened {
		return nil
	}
	return refuseHeldPointChange(tx, rp, "given a shorter retention")
}

// checkRetentionAllowed reports why a backup (or copy) job into vault v with lifecycle lc must
// fail, or nil: a locked vault fails jobs whose retention is outside its range. Its message is the
// job's StatusMessage.
func checkRetentionAllowed(v records.Vault, lc *Lifecycle) error {
	var days *int64
	if lc != nil {
		days = lc.DeleteAfterDays
	}
	return v.CheckJobRetention(days)
}

// checkLifecycleChange reports why rp's lifecycle may not change to lc at now, or nil:
//
//   - the cold-storage setting is fixed once the point is cold;
//   - in a locked vault the retention may be extended but not shortened, nor taken outside the
//     lock's range ("you can extend the retention period of recovery points in a vault with
//     Vault Lock, but you cannot shorten it", AWS Backup Vault Lock guide).
func checkLifecycleChange(v records.Vault, rp records.RecoveryPoint, lc *Lifecycle, _ time.Time) error {
	if rp.StorageClass == StorageClassCold {
		var was, now *int64
		if rp.Lifecycle != nil {
			was = rp.Lifecycle.MoveToColdStorageAfterDays
		}
		if lc != nil {
			now = lc.MoveToColdStorageAfterDays
		}
		if deref(was) != deref(now) {
			return apierr.InvalidReq("recovery point %s is already in cold storage, so its MoveToColdStorageAfterDays (%d) cannot change; send the same value", rp.ARN, deref(was))
		}
	}
	if v.Lock == nil {
		return nil
	}
	next := rp
	next.Lifecycle = lc
	before, after := rp.RetainUntil(), next.RetainUntil()
	if !before.IsZero() && !after.IsZero() && after.Before(before) {
		return apierr.InvalidReq("backup vault %s is locked: the retention of recovery point %s can be extended but not shortened (it is kept until %s; DeleteAfterDays would end it at %s)",
			v.Name, rp.ARN, before.UTC().Format(time.RFC3339), after.UTC().Format(time.RFC3339))
	}
	if before.IsZero() && !after.IsZero() {
		return apierr.InvalidReq("backup vault %s is locked: recovery point %s is kept indefinitely, and its retention cannot be shortened to DeleteAfterDays %d", v.Name, rp.ARN, *lc.DeleteAfterDays)
	}
	var days *int64
	if lc != nil {
		days = lc.DeleteAfterDays
	}
	return v.CheckJobRetention(days)
}
