package records

import (
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Recovery point statuses and storage classes (the model's RecoveryPointStatus and StorageClass),
// as stored in RecoveryPoint.Status and RecoveryPoint.StorageClass.
const (
	RecoveryPointCompleted = "COMPLETED"
	RecoveryPointPartial   = "PARTIAL"
	StorageClassWarm       = "WARM"
	StorageClassCold       = "COLD"
)

// RecoveryPoint is a recovery point as stored in CollRecoveryPoints under PointKey. It is written
// in the same transaction that completes its backup job, and only after the snapshot it names is
// committed to the vault's repository: a point that exists is always whole.
type RecoveryPoint struct {
	ID                string                     `json:"id"`
	ARN               string                     `json:"arn"`
	AccountID         string                     `json:"account_id"`
	Region            string                     `json:"region"`
	VaultName         string                     `json:"vault_name"`
	VaultARN          string                     `json:"vault_arn"`
	ResourceARN       string                     `json:"resource_arn"`
	ResourceType      string                     `json:"resource_type"`
	ResourceName      string                     `json:"resource_name"`
	Resource          resources.Resource         `json:"resource"` // the registry entry when the point was taken
	SnapshotID        string                     `json:"snapshot_id"`
	Status            string                     `json:"status"`
	StatusMessage     string                     `json:"status_message,omitempty"`
	StorageClass      string                     `json:"storage_class"`
	CreationDate      time.Time                  `json:"creation_date"`
	InitiationDate    time.Time                  `json:"initiation_date,omitzero"`
	CompletionDate    time.Time                  `json:"completion_date"`
	BackupSizeInBytes int64                      `json:"backup_size_in_bytes"`
	Lifecycle         *wire.Lifecycle            `json:"lifecycle,omitempty"`
	EncryptionKeyARN  string                     `json:"encryption_key_arn"`
	EncryptionKeyType string                     `json:"encryption_key_type"`
	IamRoleARN        string                     `json:"iam_role_arn"`
	BackupJobID       string                     `json:"backup_job_id"`
	LastRestoreTime   time.Time                  `json:"last_restore_time,omitzero"`
	CreatedBy         *wire.RecoveryPointCreator `json:"created_by,omitempty"`
	// A copy's source (copy_jobs.go): the vault and point it was copied from, and the copy job.
	SourceVaultARN string `json:"source_vault_arn,omitempty"`
	SourcePointARN string `json:"source_point_arn,omitempty"`
	CopyJobID      string `json:"copy_job_id,omitempty"`
	// Damage, set by `engine repair`, names what is wrong with the point's data; the point is
	// then PARTIAL and cannot be restored (point_damage.go). The status it had before is kept
	// to give back if a later repair finds it whole.
	Damage                 string `json:"damage,omitempty"`
	UndamagedStatus        string `json:"undamaged_status,omitempty"`
	UndamagedStatusMessage string `json:"undamaged_status_message,omitempty"`
}

// ListOrder is the order recovery points are listed in: creation time, then ID.
func (rp *RecoveryPoint) ListOrder() (time.Time, string) { return rp.CreationDate, rp.ID }

// ListOrderMembers names ListOrder's members in the stored document (OrderMembers).
func (*RecoveryPoint) ListOrderMembers() (created, id string) { return "creation_date", "id" }

// PointRef names a recovery point by vault and ID: what CollPointVaults and CollResourcePoints
// map to (the ID is the job's in CollActiveCopies).
type PointRef struct {
	Vault string `json:"vault"`
	ID    string `json:"id"`
}

// RetainUntil is when a point's lifecycle deletes it; the zero time for a point kept indefinitely.
func (rp RecoveryPoint) RetainUntil() time.Time {
	if rp.Lifecycle == nil || rp.Lifecycle.DeleteAfterDays == nil {
		return time.Time{}
	}
	return rp.CreationDate.AddDate(0, 0, int(*rp.Lifecycle.DeleteAfterDays))
}

// MoveToColdAt is when a point's lifecycle moves it to cold storage; zero for never.
func (rp RecoveryPoint) MoveToColdAt() time.Time {
	if rp.Lifecycle == nil || rp.Lifecycle.MoveToColdStorageAfterDays == nil {
		return time.Time{}
	}
	return rp.CreationDate.AddDate(0, 0, int(*rp.Lifecycle.MoveToColdStorageAfterDays))
}

// PendingForget is a snapshot whose recovery point was deleted (or moved to cold storage) and
// whose data is still to be removed from the vault's repository, in CollPendingForgets. With no
// SnapshotID, the task only collects the repository's unreferenced data (what a stopped job had
// written).
type PendingForget struct {
	AccountID  string `json:"account_id"`
	Region     string `json:"region"`
	Vault      string `json:"vault"`
	SnapshotID string `json:"snapshot_id,omitempty"`
	Point      string `json:"recovery_point_arn,omitempty"`
	// Tier is the storage class of the repository the snapshot is in: "" or WARM for the
	// vault's repository, COLD for its cold-storage one.
	Tier string `json:"tier,omitempty"`
}

// PendingCold is a point's queued move to cold storage, in CollPendingCold.
type PendingCold struct {
	AccountID string `json:"account_id"`
	Region    string `json:"region"`
	Vault     string `json:"vault"`
	PointID   string `json:"point_id"`
}

// InsertRecoveryPoint stores a new point with its indexes: by ID, by resource, and its due times.
func InsertRecoveryPoint(tx store.Tx, rp RecoveryPoint) error {
	if err := InsertDoc(tx, CollRecoveryPoints, PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID), rp); err != nil {
		return err
	}
	ref := PointRef{Vault: rp.VaultName, ID: rp.ID}
	if err := PutDoc(tx, CollPointVaults, rp.AccountID+"/"+rp.Region+"/"+rp.ID, ref); err != nil {
		return err
	}
	if err := PutDoc(tx, CollResourcePoints, rp.AccountID+"/"+rp.Region+"/"+rp.ResourceARN+"/"+rp.ID, ref); err != nil {
		return err
	}
	return IndexPointLifecycle(tx, rp)
}

// DeleteRecoveryPoint deletes a point's documents: the point, its two lookup entries, its due
// entries and its tags. It does not touch the point's snapshot; the caller queues its removal in
// the same transaction.
func DeleteRecoveryPoint(tx store.Tx, rp RecoveryPoint) error {
	for coll, key := range map[string]string{
		CollRecoveryPoints: PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID),
		CollPointVaults:    rp.AccountID + "/" + rp.Region + "/" + rp.ID,
		CollResourcePoints: rp.AccountID + "/" + rp.Region + "/" + rp.ResourceARN + "/" + rp.ID,
	} {
		if err := tx.Delete(coll, key); err != nil {
			return fmt.Errorf("delete %s/%s: %w", coll, key, err)
		}
	}
	key := PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID)
	if err := ClearDue(tx, DueCold, key); err != nil {
		return err
	}
	if err := ClearDue(tx, DueDelete, key); err != nil {
		return err
	}
	return DeleteIfExists(tx, CollTags, rp.ARN)
}

// PointIDFromARN checks that arn is the ARN of a recovery point in account and region and returns
// the point's ID.
func PointIDFromARN(account, region, arn string) (string, error) {
	a, err := arns.Parse(arn)
	if err != nil {
		return "", apierr.InvalidParameter("RecoveryPointArn %q is not a valid ARN: expected arn:aws:backup:REGION:ACCOUNT:recovery-point:ID", arn)
	}
	if a.Service != "backup" || a.Kind() != "recovery-point" || a.Name() == "" {
		return "", apierr.InvalidParameter("RecoveryPointArn %q is not a recovery point ARN: expected arn:aws:backup:REGION:ACCOUNT:recovery-point:ID", arn)
	}
	if a.AccountID != account || a.Region != region {
		return "", apierr.NotFound("recovery point %s does not exist in account %s, region %s", arn, account, region)
	}
	return a.Name(), nil
}

// FindPoint returns the recovery point of account and region in a vault by ARN, with the vault.
func FindPoint(tx store.Tx, account, region, vaultName, arn string) (Vault, RecoveryPoint, error) {
	id, err := PointIDFromARN(account, region, arn)
	if err != nil {
		return Vault{}, RecoveryPoint{}, err
	}
	v, err := FindVault(tx, account, region, vaultName)
	if err != nil {
		return v, RecoveryPoint{}, err
	}
	rp, found, err := GetDoc[RecoveryPoint](tx, CollRecoveryPoints, PointKey(account, region, vaultName, id))
	if err != nil {
		return v, rp, err
	}
	if !found {
		return v, rp, apierr.NotFound("recovery point %s does not exist in backup vault %s", arn, vaultName)
	}
	return v, rp, nil
}

// FindPointByARN returns the recovery point of account and region by ARN alone, with its vault.
func FindPointByARN(tx store.Tx, account, region, arn string) (Vault, RecoveryPoint, error) {
	id, err := PointIDFromARN(account, region, arn)
	if err != nil {
		return Vault{}, RecoveryPoint{}, err
	}
	ref, found, err := GetDoc[PointRef](tx, CollPointVaults, account+"/"+region+"/"+id)
	if err != nil {
		return Vault{}, RecoveryPoint{}, err
	}
	if !found {
		return Vault{}, RecoveryPoint{}, apierr.NotFound("recovery point %s does not exist", arn)
	}
	return FindPoint(tx, account, region, ref.Vault, arn)
}
