package records

import (
	"context"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

const account, otherAccount, inRegion = "123456789012", "210987654321", "us-east-1"

var efs = resources.Resource{ARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1", Type: resources.TypeEFS, ID: "fs-1",
	Locator: "/srv/data", AccountID: account, Region: inRegion, CreationDate: t0}

// update runs fn in a write transaction of st, failing t on a store error.
func update(t *testing.T, st store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestRegisteredResourcesAreFoundOnlyInTheirAccountAndRegion(t *testing.T) {
	st := store.NewMemory()
	update(t, st, func(tx store.Tx) error { return InsertResource(tx, efs) })
	update(t, st, func(tx store.Tx) error {
		wantCode(t, InsertResource(tx, efs), apierr.AlreadyExists, "/srv/data is already registered as "+efs.ARN)
		if r, err := FindResource(tx, account, inRegion, efs.ARN); err != nil || r.Locator != "/srv/data" {
			t.Errorf("FindResource in its account: %+v, %v", r, err)
		}
		_, err := FindResource(tx, otherAccount, inRegion, efs.ARN)
		wantCode(t, err, apierr.ResourceNotFound, "not registered in account "+otherAccount)
		_, err = FindResource(tx, account, "eu-west-1", efs.ARN)
		wantCode(t, err, apierr.ResourceNotFound, "region eu-west-1")
		_, err = FindResource(tx, account, inRegion, "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-2")
		wantCode(t, err, apierr.ResourceNotFound, "register its directory first")
		return nil
	})
	if r, found, err := CurrentResource(context.Background(), st, account, inRegion, "fs-1"); err != nil || !found || r.ARN != efs.ARN {
		t.Errorf("CurrentResource: %+v, %v, %v", r, found, err)
	}
}

func TestARecoveryPointAndItsIndexesComeAndGoTogether(t *testing.T) {
	st := store.NewMemory()
	v := Vault{Name: "vault-a", AccountID: account, Region: inRegion, ARN: arns.Vault(inRegion, account, "vault-a")}
	rp := RecoveryPoint{ID: "p1", ARN: arns.RecoveryPoint(inRegion, account, "p1"), AccountID: account, Region: inRegion, VaultName: "vault-a",
		VaultARN: v.ARN, ResourceARN: efs.ARN, Resource: efs, Status: RecoveryPointCompleted, StorageClass: StorageClassWarm, CreationDate: t0}
	update(t, st, func(tx store.Tx) error {
		if err := InsertVault(tx, &v, nil); err != nil {
			return err
		}
		return InsertRecoveryPoint(tx, rp)
	})
	update(t, st, func(tx store.Tx) error {
		if _, got, err := FindPointByARN(tx, account, inRegion, rp.ARN); err != nil || got.ID != "p1" {
			t.Errorf("FindPointByARN: %+v, %v", got, err)
		}
		if got, found, err := NewestPoint(tx, account, inRegion, efs.ARN, ""); err != nil || !found || got.ID != "p1" {
			t.Errorf("NewestPoint: %+v, %v, %v", got, found, err)
		}
		_, _, err := FindPointByARN(tx, otherAccount, inRegion, rp.ARN)
		wantCode(t, err, apierr.ResourceNotFound, "account "+otherAccount)
		return DeleteRecoveryPoint(tx, rp)
	})
	update(t, st, func(tx store.Tx) error {
		_, _, err := FindPointByARN(tx, account, inRegion, rp.ARN)
		wantCode(t, err, apierr.ResourceNotFound, rp.ARN)
		if _, found, err := NewestPoint(tx, account, inRegion, efs.ARN, ""); err != nil || found {
			t.Errorf("NewestPoint after the delete: found %v, %v", found, err)
		}
		if n, err := CountRecoveryPoints(tx, v); err != nil || n != 0 {
			t.Errorf("CountRecoveryPoints after the delete: %d, %v", n, err)
		}
		return nil
	})
}
