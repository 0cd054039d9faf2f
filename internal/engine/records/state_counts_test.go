package records_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The counts group jobs and points by account, region, vault, resource type and state; a point in
// cold storage counts under its status and under COLD.
func TestCountStatesGroupsJobsAndPointsByTheirDimensions(t *testing.T) {
	ctx := context.Background()
	db := store.NewMemory()
	const acct, region = "123456789012", "us-east-1"
	efs := resources.Resource{Type: "EFS"}
	err := db.Update(ctx, func(tx store.Tx) error {
		for i, state := range []string{records.BackupJobCompleted, records.BackupJobCompleted, records.BackupJobFailed} {
			j := records.BackupJob{ID: fmt.Sprint("job-", i), AccountID: acct, Region: region, VaultName: "nightly", Resource: efs, State: state}
			if err := records.PutDoc(tx, records.CollBackupJobs, j.Key(), j); err != nil {
				return err
			}
		}
		other := records.BackupJob{ID: "job-other", AccountID: acct, Region: region, VaultName: "weekly", Resource: efs, State: records.BackupJobCompleted}
		if err := records.PutDoc(tx, records.CollBackupJobs, other.Key(), other); err != nil {
			return err
		}
		cp := records.CopyJob{ID: "copy-1", AccountID: acct, Region: region, SourceVaultName: "nightly", DestVaultName: "dr", Resource: efs, State: "COMPLETED"}
		if err := records.PutDoc(tx, records.CollCopyJobs, cp.Key(), cp); err != nil {
			return err
		}
		r := records.RestoreJob{ID: "restore-1", AccountID: acct, Region: region, VaultName: "nightly", Source: resources.Resource{Type: "RDS"}, Status: "COMPLETED"}
		if err := records.PutDoc(tx, records.CollRestoreJobs, r.Key(), r); err != nil {
			return err
		}
		for i, class := range []string{records.StorageClassWarm, records.StorageClassCold} {
			rp := records.RecoveryPoint{ID: fmt.Sprint("rp-", i), AccountID: acct, Region: region, VaultName: "nightly", ResourceType: "EFS",
				Status: records.RecoveryPointCompleted, StorageClass: class}
			if err := records.InsertRecoveryPoint(tx, rp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got metrics.States
	if err := db.View(ctx, func(tx store.Tx) (err error) { got, err = records.CountStates(tx); return err }); err != nil {
		t.Fatal(err)
	}
	c := func(vault, typ, state string, n int) metrics.Count {
		return metrics.Count{Account: acct, Region: region, Vault: vault, ResourceType: typ, State: state, N: n}
	}
	want := metrics.States{
		BackupJobs:     []metrics.Count{c("nightly", "EFS", "COMPLETED", 2), c("nightly", "EFS", "FAILED", 1), c("weekly", "EFS", "COMPLETED", 1)},
		CopyJobs:       []metrics.Count{c("dr", "EFS", "COMPLETED", 1)},
		RestoreJobs:    []metrics.Count{c("nightly", "RDS", "COMPLETED", 1)},
		RecoveryPoints: []metrics.Count{c("nightly", "EFS", "COLD", 1), c("nightly", "EFS", "COMPLETED", 2)},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CountStates =\n%+v\nwant\n%+v", got, want)
	}
}
