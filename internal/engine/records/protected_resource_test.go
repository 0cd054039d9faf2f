package records

import (
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

func TestNewestPointsInVaultKeepsEachResourcesLatestAfterTheGivenARN(t *testing.T) {
	st := store.NewMemory()
	v := Vault{Name: "vault-a", AccountID: account, Region: inRegion}
	other := "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-2"
	point := func(id, resourceARN string, created time.Time) RecoveryPoint {
		return RecoveryPoint{ID: id, ARN: arns.RecoveryPoint(inRegion, account, id), AccountID: account, Region: inRegion, VaultName: "vault-a",
			ResourceARN: resourceARN, Status: RecoveryPointCompleted, CreationDate: created}
	}
	update(t, st, func(tx store.Tx) error {
		for _, rp := range []RecoveryPoint{point("p1", efs.ARN, t0), point("p2", other, t0.Add(time.Hour)), point("p3", efs.ARN, t0.Add(2*time.Hour))} {
			if err := InsertRecoveryPoint(tx, rp); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, st, func(tx store.Tx) error {
		newest, err := NewestPointsInVault(tx, v, "")
		if err != nil || len(newest) != 2 || newest[efs.ARN].ID != "p3" || newest[other].ID != "p2" {
			t.Errorf("NewestPointsInVault: %+v, %v", newest, err)
		}
		newest, err = NewestPointsInVault(tx, v, efs.ARN)
		if err != nil || len(newest) != 1 || newest[other].ID != "p2" {
			t.Errorf("NewestPointsInVault after %s: %+v, %v", efs.ARN, newest, err)
		}
		return nil
	})
}
