package records_test

import (
	"context"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The due index answers in time order, an entry set again moves rather than doubles, and a
// cleared entry is gone; NextDueAfter skips entries at exactly the given instant.
func TestDueIndexOrderAndReplacement(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := db.Update(ctx, func(tx store.Tx) error {
		for _, set := range []struct {
			kind, ref string
			at        time.Time
		}{
			{records.DueDelete, "p1", base.Add(3 * time.Hour)},
			{records.DueStartBy, "j1", base.Add(time.Hour)},
			{records.DueCold, "p1", base.Add(2 * time.Hour)},
			{records.DueStartBy, "j1", base.Add(4 * time.Hour)}, // moves j1's entry
			{records.DueCompleteBy, "j2", base},
		} {
			if err := records.SetDue(tx, set.kind, set.ref, set.at); err != nil {
				return err
			}
		}
		return records.ClearDue(tx, records.DueCompleteBy, "j2")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		due, err := records.DueUntil(tx, base.Add(10*time.Hour))
		if err != nil {
			return err
		}
		var got []string
		for _, e := range due {
			got = append(got, e.Kind+"/"+e.Ref)
		}
		want := []string{"cold/p1", "delete/p1", "start-by/j1"}
		if len(got) != len(want) {
			t.Fatalf("due entries = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("due entries = %v, want %v", got, want)
			}
		}
		next, found, err := records.NextDueAfter(tx, base.Add(2*time.Hour))
		if err != nil {
			return err
		}
		if !found || !next.Equal(base.Add(3*time.Hour)) {
			t.Errorf("NextDueAfter = %v, %v; want %v", next, found, base.Add(3*time.Hour))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A point's lifecycle puts its cold move (while it is warm) and its deletion in the due index;
// once cold, only the deletion is left.
func TestIndexPointLifecycle(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	created := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)
	cold, del := int64(30), int64(120)
	rp := records.RecoveryPoint{ID: "p1", AccountID: "123456789012", Region: "us-east-1", VaultName: "v",
		StorageClass: records.StorageClassWarm, CreationDate: created,
		Lifecycle: &wire.Lifecycle{MoveToColdStorageAfterDays: &cold, DeleteAfterDays: &del}}
	due := func() []string {
		t.Helper()
		var got []string
		if err := db.View(ctx, func(tx store.Tx) error {
			entries, err := records.DueUntil(tx, created.AddDate(1, 0, 0))
			for _, e := range entries {
				got = append(got, e.Kind+"@"+e.At.Format("2006-01-02"))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	index := func() {
		t.Helper()
		if err := db.Update(ctx, func(tx store.Tx) error { return records.IndexPointLifecycle(tx, rp) }); err != nil {
			t.Fatal(err)
		}
	}
	index()
	if got := due(); len(got) != 2 || got[0] != "cold@2030-01-31" || got[1] != "delete@2030-05-01" {
		t.Fatalf("warm point: due %v, want cold@2030-01-31 and delete@2030-05-01", got)
	}
	rp.StorageClass = records.StorageClassCold
	index()
	if got := due(); len(got) != 1 || got[0] != "delete@2030-05-01" {
		t.Fatalf("cold point: due %v, want delete@2030-05-01", got)
	}
}
