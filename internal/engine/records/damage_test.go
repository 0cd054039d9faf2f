package records

import (
	"context"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

func TestDamageMarksAPointPartialAndClearingGivesItsStatusBack(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	rp := RecoveryPoint{ID: "p1", ARN: arns.RecoveryPoint(inRegion, account, "p1"), AccountID: account, Region: inRegion, VaultName: "vault-a",
		ResourceARN: efs.ARN, Resource: efs, SnapshotID: "s1", Status: RecoveryPointCompleted, StatusMessage: "", StorageClass: StorageClassWarm, CreationDate: t0}
	update(t, st, func(tx store.Tx) error { return InsertRecoveryPoint(tx, rp) })

	if changed, err := SetPointDamage(ctx, st, account, inRegion, "vault-a", "p1", "snapshot s1 is missing"); err != nil || !changed {
		t.Fatalf("mark: changed %v, %v", changed, err)
	}
	points, err := VaultPoints(ctx, st, account, inRegion, "vault-a")
	if err != nil || len(points) != 1 {
		t.Fatalf("VaultPoints: %+v, %v", points, err)
	}
	p := points[0]
	if p.Status != RecoveryPointPartial || p.Damage != "snapshot s1 is missing" || !strings.Contains(p.StatusMessage, "snapshot s1 is missing") ||
		p.StatusBeforeDamage() != RecoveryPointCompleted || p.ResourceID != "fs-1" || p.SnapshotID != "s1" {
		t.Errorf("the marked point: %+v (status before damage %s)", p, p.StatusBeforeDamage())
	}
	update(t, st, func(tx store.Tx) error {
		got, _, err := GetDoc[RecoveryPoint](tx, CollRecoveryPoints, PointKey(account, inRegion, "vault-a", "p1"))
		if err != nil {
			return err
		}
		wantCode(t, got.RefuseDamaged("restored"), apierr.InvalidRequest, rp.ARN, "cannot be restored", "snapshot s1 is missing", "engine repair --vault vault-a")
		return nil
	})

	if changed, err := SetPointDamage(ctx, st, account, inRegion, "vault-a", "p1", ""); err != nil || !changed {
		t.Fatalf("clear: changed %v, %v", changed, err)
	}
	points, _ = VaultPoints(ctx, st, account, inRegion, "vault-a")
	if p := points[0]; p.Status != RecoveryPointCompleted || p.StatusMessage != "" || p.Damage != "" {
		t.Errorf("the cleared point: %+v", p)
	}
	if err := rp.RefuseDamaged("copied"); err != nil {
		t.Errorf("an undamaged point is refused: %v", err)
	}
	if changed, err := SetPointDamage(ctx, st, account, inRegion, "vault-a", "p2", "gone"); err != nil || changed {
		t.Errorf("marking a point that does not exist: changed %v, %v", changed, err)
	}
}
