package records_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// A plan's versions are read by ID through its version list; a version it does not list is
// ResourceNotFoundException, and LivePlans leaves deleted plans out, keeping a scope's plans
// apart from another's.
func TestPlanVersionsAndLivePlans(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	live := records.Plan{ID: "p1", AccountID: "111111111111", Region: "eu-west-1", VersionID: "v2",
		Versions: []records.PlanVersionRef{{ID: "v1", Seq: 1}, {ID: "v2", Seq: 2}}}
	deleted := records.Plan{ID: "p2", AccountID: "111111111111", Region: "eu-west-1", DeletionDate: &t0}
	other := records.Plan{ID: "p3", AccountID: "222222222222", Region: "eu-west-1"}
	err := db.Update(ctx, func(tx store.Tx) error {
		for _, p := range []records.Plan{live, deleted, other} {
			if err := records.InsertDoc(tx, records.CollPlans, p.Key(), p); err != nil {
				return err
			}
		}
		for seq, name := range map[int]string{1: "first", 2: "second"} {
			v := records.PlanVersion{VersionID: "v" + string(rune('0'+seq)), CreationDate: t0, Plan: wire.BackupPlan{BackupPlanName: name}}
			if err := records.InsertDoc(tx, records.CollPlanVersions, records.PlanVersionKey(live.Key(), seq), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		v, err := records.ReadPlanVersion(tx, live, "v1")
		if err != nil || v.Plan.BackupPlanName != "first" {
			t.Errorf("version v1 = %+v, %v; want the first version", v, err)
		}
		_, err = records.ReadPlanVersion(tx, live, "v9")
		if e, ok := apierr.As(err); !ok || e.Code != apierr.ResourceNotFound {
			t.Errorf("an unlisted version: %v; want ResourceNotFoundException", err)
		}
		plans, err := records.LivePlans(tx, "111111111111/eu-west-1/")
		if err != nil {
			return err
		}
		if len(plans) != 1 || plans[0].ID != "p1" {
			t.Errorf("live plans of the scope = %+v; want only p1", plans)
		}
		all, err := records.LivePlans(tx, "")
		if err != nil {
			return err
		}
		if len(all) != 2 {
			t.Errorf("live plans of every scope = %d; want 2 (p1, p3)", len(all))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// DeleteRecoveryPoint removes the point with its lookups, due entries and tags; ActiveRestoreOf
// finds only an unfinished restore of the point, in the point's own account and region.
func TestDeleteRecoveryPointAndActiveRestore(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	days := int64(30)
	rp := records.RecoveryPoint{ID: "rp1", ARN: "arn:aws:backup:eu-west-1:111111111111:recovery-point:rp1", AccountID: "111111111111",
		Region: "eu-west-1", VaultName: "v", ResourceARN: "arn:res", CreationDate: t0, Lifecycle: &wire.Lifecycle{DeleteAfterDays: &days}}
	key := records.PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID)
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := records.InsertDoc(tx, records.CollRecoveryPoints, key, rp); err != nil {
			return err
		}
		ref := records.PointRef{Vault: rp.VaultName, ID: rp.ID}
		if err := records.PutDoc(tx, records.CollPointVaults, rp.AccountID+"/"+rp.Region+"/"+rp.ID, ref); err != nil {
			return err
		}
		if err := records.PutDoc(tx, records.CollResourcePoints, rp.AccountID+"/"+rp.Region+"/"+rp.ResourceARN+"/"+rp.ID, ref); err != nil {
			return err
		}
		if err := records.PutDoc(tx, records.CollTags, rp.ARN, map[string]string{"k": "v"}); err != nil {
			return err
		}
		if err := records.IndexPointLifecycle(tx, rp); err != nil {
			return err
		}
		for _, j := range []records.RestoreJob{
			{ID: "done", AccountID: rp.AccountID, Region: rp.Region, RecoveryPointARN: rp.ARN, Status: records.RestoreJobCompleted},
			{ID: "elsewhere", AccountID: "222222222222", Region: rp.Region, RecoveryPointARN: rp.ARN, Status: records.RestoreJobRunning},
			{ID: "running", AccountID: rp.AccountID, Region: rp.Region, RecoveryPointARN: rp.ARN, Status: records.RestoreJobRunning},
		} {
			if err := records.InsertDoc(tx, records.CollRestoreJobs, j.Key(), j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.Tx) error {
		if id, err := records.ActiveRestoreOf(tx, rp.AccountID, rp.Region, rp.ARN); err != nil || id != "running" {
			t.Errorf("ActiveRestoreOf = %q, %v; want the running restore of the same account", id, err)
		}
		if id, err := records.ActiveRestoreOf(tx, rp.AccountID, rp.Region, "arn:other"); err != nil || id != "" {
			t.Errorf("ActiveRestoreOf another point = %q, %v; want none", id, err)
		}
		return records.DeleteRecoveryPoint(tx, rp)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		for coll, k := range map[string]string{
			records.CollRecoveryPoints: key,
			records.CollPointVaults:    rp.AccountID + "/" + rp.Region + "/" + rp.ID,
			records.CollResourcePoints: rp.AccountID + "/" + rp.Region + "/" + rp.ResourceARN + "/" + rp.ID,
			records.CollTags:           rp.ARN,
		} {
			if _, err := tx.Get(coll, k); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s/%s after the deletion: %v; want it gone", coll, k, err)
			}
		}
		if at, found, err := records.NextDueAfter(tx, time.Time{}); err != nil || found {
			t.Errorf("due entry left after the deletion: %v, %v", at, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
