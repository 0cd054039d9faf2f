package records

import (
	"context"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Damaged recovery points. `engine repair` (cli/repair.go) finds points whose data the vault's
// repository can no longer give back whole (the snapshot is missing or unreadable, or a chunk
// it uses has no sound copy) and marks them here. A marked point:
//   - is listed with Status PARTIAL, the model's status for a point that is not whole, and a
//     StatusMessage naming the damage (AWS clients know PARTIAL; a new status would break them);
//   - cannot be restored or copied: StartRestoreJob and StartCopyJob refuse it with
//     InvalidRequestException naming the damage, rather than restore wrong or partial data;
//   - is never the parent of an incremental backup (only COMPLETED points are).
// A later repair that finds the point whole again (a backup re-stored the missing chunks from
// the source) clears the mark and gives the point back the status it had.

// VaultPoint is one recovery point of a vault, as verify and repair see it.
type VaultPoint struct {
	ID, ARN, ResourceARN  string
	SnapshotID            string
	Status, StatusMessage string
	StorageClass          string
	// Damage is what repair found wrong with the point's data ("" if nothing).
	Damage string
	// ResourceID is the ID of the resource the point was taken of (its registry key).
	ResourceID      string
	undamagedStatus string
}

// StatusBeforeDamage is the status a damaged point had, or its status if it is not damaged.
func (p VaultPoint) StatusBeforeDamage() string {
	if p.undamagedStatus != "" {
		return p.undamagedStatus
	}
	return p.Status
}

// VaultPoints lists the recovery points of a vault straight from the store, for the operator
// commands that run beside (or without) a serving engine.
func VaultPoints(ctx context.Context, st store.Store, account, region, vaultName string) ([]VaultPoint, error) {
	var out []VaultPoint
	err := st.View(ctx, func(tx store.Tx) error {
		out = nil
		return ScanDocs(tx, CollRecoveryPoints, VaultKey(account, region, vaultName)+"/", func(rp *RecoveryPoint) {
			out = append(out, VaultPoint{ID: rp.ID, ARN: rp.ARN, ResourceARN: rp.ResourceARN, SnapshotID: rp.SnapshotID,
				Status: rp.Status, StatusMessage: rp.StatusMessage, StorageClass: rp.StorageClass, Damage: rp.Damage,
				ResourceID: rp.Resource.ID, undamagedStatus: rp.UndamagedStatus})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list the recovery points of vault %s: %w", vaultName, err)
	}
	return out, nil
}

// SetPointDamage marks the point id of a vault as damaged (damage names what is wrong), or,
// with damage "", clears the mark. It reports whether the point changed.
func SetPointDamage(ctx context.Context, st store.Store, account, region, vaultName, id, damage string) (bool, error) {
	changed := false
	err := st.Update(ctx, func(tx store.Tx) error {
		changed = false
		key := PointKey(account, region, vaultName, id)
		rp, found, err := GetDoc[RecoveryPoint](tx, CollRecoveryPoints, key)
		if err != nil || !found {
			return err
		}
		if rp.Status != RecoveryPointCompleted && rp.Status != RecoveryPointPartial {
			return nil // being deleted or expired meanwhile: its data is going anyway
		}
		switch {
		case damage != "" && rp.Damage == "":
			rp.UndamagedStatus, rp.UndamagedStatusMessage = rp.Status, rp.StatusMessage
		case damage == "" && rp.Damage != "":
			rp.Status, rp.StatusMessage = rp.UndamagedStatus, rp.UndamagedStatusMessage
			rp.UndamagedStatus, rp.UndamagedStatusMessage = "", ""
		}
		if damage != "" {
			rp.Status = RecoveryPointPartial
			rp.StatusMessage = damagedMessage(damage)
		}
		if rp.Damage == damage {
			return nil
		}
		rp.Damage = damage
		changed = true
		return PutDoc(tx, CollRecoveryPoints, key, rp)
	})
	if err != nil {
		return false, fmt.Errorf("record the damage of recovery point %s: %w", id, err)
	}
	return changed, nil
}

func damagedMessage(damage string) string {
	return "The data of this recovery point is damaged and it cannot be restored: " + damage +
		". Back up the resource again, then run `engine repair` on the vault: a point whose data the new backup re-stored becomes restorable again."
}

// RefuseDamaged is the error for restoring or copying a damaged point (what: "restored" or
// "copied"), or nil if the point is not damaged.
func (rp RecoveryPoint) RefuseDamaged(what string) error {
	if rp.Damage == "" {
		return nil
	}
	return apierr.InvalidReq("recovery point %s cannot be %s: its data is damaged (%s). Restore another recovery point, or back up the resource again and run `engine repair --vault %s`", rp.ARN, what, rp.Damage, rp.VaultName)
}
