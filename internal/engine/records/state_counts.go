package records

import (
	"cmp"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// CountStates counts the stored jobs and recovery points by account, region, vault, resource type
// and state: the AWS/Backup metrics the metrics.StateCollector exposes. It reads the same
// collections the List operations page through, so the counts match what they list. A point in
// cold storage counts under its status and once more under COLD, as AWS's
// NumberOfRecoveryPointsCold counts it.
func CountStates(tx store.Tx) (metrics.States, error) {
	var s metrics.States
	backups := map[metrics.Count]int{}
	if err := ScanDocs(tx, CollBackupJobs, "", func(j *BackupJob) {
		backups[metrics.Count{Account: j.AccountID, Region: j.Region, Vault: j.VaultName, ResourceType: j.Resource.Type, State: j.State}]++
	}); err != nil {
		return s, err
	}
	copies := map[metrics.Count]int{}
	if err := ScanDocs(tx, CollCopyJobs, "", func(j *CopyJob) {
		// "The vault name of copy jobs is that of their destination vault" (metrics.AWSMetricsPage).
		copies[metrics.Count{Account: j.AccountID, Region: j.Region, Vault: j.DestVaultName, ResourceType: j.Resource.Type, State: j.State}]++
	}); err != nil {
		return s, err
	}
	restores := map[metrics.Count]int{}
	if err := ScanDocs(tx, CollRestoreJobs, "", func(j *RestoreJob) {
		restores[metrics.Count{Account: j.AccountID, Region: j.Region, Vault: j.VaultName, ResourceType: j.Source.Type, State: j.Status}]++
	}); err != nil {
		return s, err
	}
	points := map[metrics.Count]int{}
	if err := ScanDocs(tx, CollRecoveryPoints, "", func(rp *RecoveryPoint) {
		c := metrics.Count{Account: rp.AccountID, Region: rp.Region, Vault: rp.VaultName, ResourceType: rp.ResourceType, State: rp.Status}
		points[c]++
		if rp.StorageClass == StorageClassCold {
			c.State = StorageClassCold
			points[c]++
		}
	}); err != nil {
		return s, err
	}
	s.BackupJobs, s.CopyJobs, s.RestoreJobs, s.RecoveryPoints = counted(backups), counted(copies), counted(restores), counted(points)
	return s, nil
}

// counted lists a tally in a stable order.
func counted(tally map[metrics.Count]int) []metrics.Count {
	out := make([]metrics.Count, 0, len(tally))
	for c, n := range tally {
		c.N = n
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b metrics.Count) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Vault, b.Vault),
			cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.State, b.State))
	})
	return out
}
