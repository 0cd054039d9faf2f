package records

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Protection is what the engine remembers about a resource it has backed up, in CollProtections
// under ProtectionKey.
type Protection struct {
	ResourceARN  string `json:"resource_arn"`
	ResourceType string `json:"resource_type"`
	ResourceName string `json:"resource_name"`
	// The newest restore job from one of the resource's points.
	LatestRestoreJobCreationDate           time.Time `json:"latest_restore_job_creation_date,omitzero"`
	LatestRestoreRecoveryPointCreationDate time.Time `json:"latest_restore_recovery_point_creation_date,omitzero"`
	LatestRestoreExecutionTimeMinutes      int64     `json:"latest_restore_execution_time_minutes,omitempty"`
}

// TouchProtection records that r was backed up, in the transaction that adds its point.
func TouchProtection(tx store.Tx, r resources.Resource) error {
	key := ProtectionKey(r.AccountID, r.Region, r.ARN)
	p, found, err := GetDoc[Protection](tx, CollProtections, key)
	if err != nil {
		return err
	}
	if !found {
		p = Protection{ResourceARN: r.ARN, ResourceType: r.Type}
	}
	p.ResourceName = r.Name()
	return PutDoc(tx, CollProtections, key, p)
}

// RecordRestore records a finished restore job of one of a resource's points.
func RecordRestore(tx store.Tx, account, region, resourceARN string, jobCreated, pointCreated, finished time.Time) error {
	key := ProtectionKey(account, region, resourceARN)
	p, found, err := GetDoc[Protection](tx, CollProtections, key)
	if err != nil || !found {
		return err
	}
	if jobCreated.Before(p.LatestRestoreJobCreationDate) {
		return nil
	}
	p.LatestRestoreJobCreationDate = jobCreated
	p.LatestRestoreRecoveryPointCreationDate = pointCreated
	p.LatestRestoreExecutionTimeMinutes = int64(finished.Sub(jobCreated).Round(time.Minute) / time.Minute)
	return PutDoc(tx, CollProtections, key, p)
}

// NewestPoint returns the newest recovery point of a resource (in vaultName only, if set).
func NewestPoint(tx store.Tx, account, region, resourceARN, vaultName string) (RecoveryPoint, bool, error) {
	docs, err := tx.Scan(CollResourcePoints, account+"/"+region+"/"+resourceARN+"/", "", 0)
	if err != nil {
		return RecoveryPoint{}, false, err
	}
	for _, d := range slices.Backward(docs) {
		var ref PointRef
		if err := json.Unmarshal(d.Value, &ref); err != nil {
			return RecoveryPoint{}, false, fmt.Errorf("decode %s: %w", d.Key, err)
		}
		if vaultName != "" && ref.Vault != vaultName {
			continue
		}
		rp, found, err := GetDoc[RecoveryPoint](tx, CollRecoveryPoints, PointKey(account, region, ref.Vault, ref.ID))
		if err != nil || found {
			return rp, found, err
		}
	}
	return RecoveryPoint{}, false, nil
}

// NewestPointsInVault returns, for each resource with points in vault v whose ARN sorts after
// afterARN, its newest point there, by resource ARN.
func NewestPointsInVault(tx store.Tx, v Vault, afterARN string) (map[string]RecoveryPoint, error) {
	newest := map[string]RecoveryPoint{}
	// Key order is creation order: later points replace earlier ones.
	err := ScanDocs(tx, CollRecoveryPoints, VaultKey(v.AccountID, v.Region, v.Name)+"/", func(rp *RecoveryPoint) {
		if rp.ResourceARN > afterARN {
			newest[rp.ResourceARN] = *rp
		}
	})
	return newest, err
}
