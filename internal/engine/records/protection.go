package records

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The rules that protect recovery points from deletion and retention changes. Every path of the
// domain that deletes a point or changes its lifecycle (DeleteRecoveryPoint — and so a vault's
// force_destroy, which deletes point by point through it — and UpdateRecoveryPointLifecycle) goes
// through these functions, so a rule added here holds on all of them. DeleteBackupVault needs
// none: it refuses any vault that still has points. The lifecycle sweeper expires points without
// asking CheckPointDeletable (a lock allows expiry) but MUST defer every point PointHeld reports.
// The vault's own rules (locks, air-gapped vaults) are in vault.go; the legal holds, which write
// the CollPointLegalHolds entries read here, are service's (legal_holds.go).

// CheckPointDeletable reports why a recovery point may not be deleted by hand at now, or nil: a
// legal hold holding it (refuseHeldPointChange), or the vault's lock or air gap
// (RefuseManualPointDeletion). The hold is checked first: it is the protection no amount of time
// ends, so its refusal says what actually has to change.
func CheckPointDeletable(tx store.Tx, v Vault, rp RecoveryPoint, now time.Time) error {
	if err := refuseHeldPointChange(tx, rp, "deleted"); err != nil {
		return err
	}
	return v.RefuseManualPointDeletion(rp.ARN, rp.CreationDate, rp.RetainUntil(), now)
}

// CheckHeldLifecycleChange reports why rp's lifecycle may not change to lc, or nil: a point held
// by a legal hold cannot have its retention shortened ("A legal hold is a restraint on altering
// or deleting a backup", CreateLegalHold), which would only move the moment it is deleted once
// released. Extending it, and changes that keep the retention's end, are allowed.
// StorageKeeps is why the storage below the engine still keeps a point's objects, from what it
// reported of them (jobs.Repos.StorageRetention: when their S3 Object Lock retention ends on the
// server's clock, zero if it has, and whether they carry an S3 legal hold), or nil. Both the
// lifecycle and DeleteRecoveryPoint keep such a point: its record never goes while its objects
// must stay.
func StorageKeeps(until time.Time, held bool) error {
	switch {
	case held:
		return errors.New("its objects carry an S3 legal hold in the vault's bucket")
	case !until.IsZero():
		return fmt.Errorf("its objects are under S3 Object Lock retention until %s on the storage server's clock, which the engine's clock has passed (time travel); the server refuses to delete them before then",
			until.UTC().Format(time.RFC3339))
	}
	return nil
}

func CheckHeldLifecycleChange(tx store.Tx, rp RecoveryPoint, lc *wire.Lifecycle) error {
	next := rp
	next.Lifecycle = lc
	before, after := rp.RetainUntil(), next.RetainUntil()
	shortened := !after.IsZero() && (before.IsZero() || after.Before(before))
	if !shortened {
		return nil
	}
	return refuseHeldPointChange(tx, rp, "given a shorter retention")
}

// CheckRetentionAllowed reports why a backup (or copy) job into vault v with lifecycle lc must
// fail, or nil: a locked vault fails jobs whose retention is outside its range. Its message is the
// job's StatusMessage.
func CheckRetentionAllowed(v Vault, lc *wire.Lifecycle) error {
	var days *int64
	if lc != nil {
		days = lc.DeleteAfterDays
	}
	return v.CheckJobRetention(days)
}

// CheckLifecycleChange reports why rp's lifecycle may not change to lc at now, or nil:
//
//   - the cold-storage setting is fixed once the point is cold;
//   - in a locked vault the retention may be extended but not shortened, nor taken outside the
//     lock's range ("you can extend the retention period of recovery points in a vault with
//     Vault Lock, but you cannot shorten it", AWS Backup Vault Lock guide).
func CheckLifecycleChange(v Vault, rp RecoveryPoint, lc *wire.Lifecycle, _ time.Time) error {
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

// PointHeld reports whether a legal hold holds rp: whether it may not be deleted, by hand or by its
// lifecycle, nor have its retention shortened. The lifecycle sweeper MUST call it for each point
// it would expire (or move to cold storage), inside the transaction that would do it, and leave a
// held point as it is: "lifecycle policies that would alter the backup status … are delayed until
// the legal hold is removed". It is cheap: one short prefix scan.
func PointHeld(tx store.Tx, rp RecoveryPoint) (bool, error) {
	ids, err := holdsOn(tx, rp, 1)
	return len(ids) > 0, err
}

// holdsOn returns up to limit IDs of the holds holding rp (0: all).
func holdsOn(tx store.Tx, rp RecoveryPoint, limit int) ([]string, error) {
	docs, err := tx.Scan(CollPointLegalHolds, rp.AccountID+"/"+rp.Region+"/"+rp.ID+"/", "", limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(docs))
	for _, d := range docs {
		ids = append(ids, d.Key[strings.LastIndex(d.Key, "/")+1:])
	}
	return ids, nil
}

// refuseHeldPointChange is why rp, held by legal holds, may not be deleted (or have its retention
// shortened: action says which), or nil when no hold holds it. The refusal is
// InvalidRequestException with AWS's wording, "The recovery point cannot be deleted because it has
// active legal hold(s)" (AWS re:Post, "How do I delete recovery points that are under a legal
// hold", https://repost.aws/knowledge-center/backup-recovery-points-hold-vault). AWS documents
// that such deletes "fail with an error" without naming its code; InvalidRequestException is what
// the API answers for the vault lock's refusals of the same calls, while InvalidResourceStateException
// is documented as "already performing an action on this recovery point … Try again later", which
// a hold is not.
func refuseHeldPointChange(tx store.Tx, rp RecoveryPoint, action string) error {
	ids, err := holdsOn(tx, rp, 0)
	if err != nil || len(ids) == 0 {
		return err
	}
	return apierr.InvalidReq("The recovery point %s cannot be %s because it has active legal hold(s): %s. Cancel the hold(s) (CancelLegalHold) first; a cancelled hold stops holding the point",
		rp.ARN, action, strings.Join(ids, ", "))
}

// deref is the value p points to, or the zero value for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
