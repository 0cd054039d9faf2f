package records

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Vault types (the model's VaultType enum), as stored in Vault.Type.
const (
	VaultTypeBackup    = "BACKUP_VAULT"
	VaultTypeAirGapped = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
)

// Vault lock modes. AWS's API has no mode member: a lock put with ChangeableForDays is in compliance
// mode (immutable from its LockDate on), one put without it is in governance mode.
const (
	LockModeGovernance = "GOVERNANCE"
	LockModeCompliance = "COMPLIANCE"
)

const day = 24 * time.Hour

// Vault is a backup vault as stored in CollVaults under VaultKey.
type Vault struct {
	Name              string    `json:"name"`
	ARN               string    `json:"arn"`
	AccountID         string    `json:"account_id"`
	Region            string    `json:"region"`
	Type              string    `json:"type"`
	State             string    `json:"state"`
	EncryptionKeyARN  string    `json:"encryption_key_arn"`
	EncryptionKeyType string    `json:"encryption_key_type"`
	CreatorRequestID  string    `json:"creator_request_id,omitempty"`
	CreationDate      time.Time `json:"creation_date"`
	// Lock is the vault's Backup Vault Lock, nil when it has none (the rules below).
	Lock *VaultLock `json:"lock,omitempty"`
}

// ListOrder is the order ListBackupVaults gives: creation time, then name.
func (v *Vault) ListOrder() (time.Time, string) { return v.CreationDate, v.Name }

// VaultLock is a vault's Backup Vault Lock configuration, kept in the vault record.
type VaultLock struct {
	MinRetentionDays  *int64 `json:"min_retention_days,omitempty"`
	MaxRetentionDays  *int64 `json:"max_retention_days,omitempty"`
	ChangeableForDays *int64 `json:"changeable_for_days,omitempty"`
	// ConfiguredAt is when the configuration was put (the vault's creation for an air-gapped vault).
	ConfiguredAt time.Time `json:"configured_at"`
	// LockDate is when a compliance-mode lock becomes immutable: ConfiguredAt + ChangeableForDays.
	// It is the zero time in governance mode.
	LockDate time.Time `json:"lock_date"`
}

// Mode is LockModeCompliance for a lock with a lock date, LockModeGovernance otherwise.
func (l *VaultLock) Mode() string {
	if l != nil && !l.LockDate.IsZero() {
		return LockModeCompliance
	}
	return LockModeGovernance
}

// Immutable reports whether the lock can no longer be changed or deleted at now: a compliance-mode
// lock on and after its lock date ("On and after the lock date, the Vault Lock becomes immutable
// and cannot be changed or deleted" — PutBackupVaultLockConfiguration, ChangeableForDays).
func (l *VaultLock) Immutable(now time.Time) bool {
	return l != nil && !l.LockDate.IsZero() && !now.Before(l.LockDate)
}

// RefuseManualPointDeletion is the vault's rule for deleting one of its recovery points by hand —
// DeleteRecoveryPoint, a vault's force_destroy, anything but lifecycle expiry. It returns nil when
// the vault allows the deletion at now, else an InvalidRequestException that says why.
//
// Every code path that deletes a recovery point other than lifecycle expiry MUST call it, inside
// the transaction that deletes the point; in particular the recovery-point work (issue 5,
// DeleteRecoveryPoint) and anything built on it. Legal holds (issue 7) are checked separately.
//
//   - A logically air-gapped vault never allows it: its points leave only by their lifecycle.
//   - A locked vault (either mode) allows it only once the point's retention has ended; see
//     lockForbidsDeletion.
//
// created is when the point was created; retainUntil is when its lifecycle deletes it (the zero
// time for a point kept indefinitely).
func (v Vault) RefuseManualPointDeletion(pointARN string, created, retainUntil, now time.Time) error {
	if v.Type == VaultTypeAirGapped {
		return apierr.InvalidReq("Recovery point %s is in the logically air-gapped vault %s: points in an air-gapped vault cannot be deleted by hand, only by their lifecycle", pointARN, v.Name)
	}
	if forbidden, until := lockForbidsDeletion(v.Lock, created, retainUntil, now); forbidden {
		if until.IsZero() {
			return apierr.InvalidReq("Recovery point %s cannot be deleted: backup vault %s is locked (%s mode) and the point has no end to its retention", pointARN, v.Name, v.Lock.Mode())
		}
		return apierr.InvalidReq("Recovery point %s cannot be deleted before %s: backup vault %s is locked (%s mode) and the point's retention has not ended",
			pointARN, until.UTC().Format(time.RFC3339), v.Name, v.Lock.Mode())
	}
	return nil
}

// lockForbidsDeletion is Backup Vault Lock's protection of one recovery point: "AWS Backup ensures
// that your backups are available for you until they reach the expiration of their retention
// periods. If any user (including the root user) attempts to delete a backup … in a locked vault,
// AWS Backup will deny the operation" (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html).
//
// A point is protected until its retention ends: retainUntil when its lifecycle sets one;
// otherwise, for a point kept indefinitely, until it is MinRetentionDays old when the lock sets a
// minimum, and for as long as the lock stands when it does not. It returns whether deletion is
// forbidden at now and the time protection ends (zero: no end while the lock stands). With no lock
// nothing is forbidden. In governance mode the way around is to remove the lock first, as AWS's
// governance bypass is an IAM permission this engine has no IAM to grant.
func lockForbidsDeletion(l *VaultLock, created, retainUntil, now time.Time) (bool, time.Time) {
	if l == nil {
		return false, time.Time{}
	}
	until := retainUntil
	if until.IsZero() && l.MinRetentionDays != nil {
		until = created.Add(time.Duration(*l.MinRetentionDays) * day)
	}
	if until.IsZero() {
		return true, time.Time{}
	}
	return now.Before(until), until
}

// CheckJobRetention is the vault lock's rule for backup and copy jobs into the vault: "any backup
// or copy job to the vault must have a lifecycle policy with a retention period equal to or longer
// than the minimum retention period … [and] equal to or shorter than the maximum retention period
// … If the job's retention period is [outside them], then the vault fails the backup or copy job"
// (PutBackupVaultLockConfiguration, MinRetentionDays and MaxRetentionDays).
//
// deleteAfterDays is the job's retention (nil: kept indefinitely, which satisfies any minimum and
// no maximum). It returns nil when the job may write into the vault, else an error whose message
// is the job's StatusMessage. The job runner (issues 5 and 6) MUST call it before a backup or copy
// job writes a recovery point into the vault.
func (v Vault) CheckJobRetention(deleteAfterDays *int64) error {
	l := v.Lock
	if l == nil {
		return nil
	}
	if l.MinRetentionDays != nil && deleteAfterDays != nil && *deleteAfterDays < *l.MinRetentionDays {
		return apierr.InvalidReq("the job's retention of %d days is shorter than the minimum of %d days that the lock of backup vault %s enforces: raise the lifecycle's DeleteAfterDays, or use another vault",
			*deleteAfterDays, *l.MinRetentionDays, v.Name)
	}
	if l.MaxRetentionDays != nil {
		if deleteAfterDays == nil {
			return apierr.InvalidReq("the job keeps its recovery point indefinitely, longer than the maximum of %d days that the lock of backup vault %s enforces: set a lifecycle with DeleteAfterDays of at most %d",
				*l.MaxRetentionDays, v.Name, *l.MaxRetentionDays)
		}
		if *deleteAfterDays > *l.MaxRetentionDays {
			return apierr.InvalidReq("the job's retention of %d days is longer than the maximum of %d days that the lock of backup vault %s enforces: lower the lifecycle's DeleteAfterDays, or use another vault",
				*deleteAfterDays, *l.MaxRetentionDays, v.Name)
		}
	}
	return nil
}

// VaultPolicy is a vault's access policy as stored: the document exactly as the caller wrote it
// (GetBackupVaultAccessPolicy returns it byte for byte), validated when it was put.
type VaultPolicy struct {
	Policy    string    `json:"policy"`
	UpdatedAt time.Time `json:"updated_at"`
}

// VaultNotifications is a vault's notification configuration as stored: the topic and the events
// exactly as put, in the caller's order (GetBackupVaultNotifications returns them unchanged).
// events.RecordForVault reads it to address each event the vault notifies to the topic.
type VaultNotifications struct {
	SNSTopicArn       string   `json:"sns_topic_arn"`
	BackupVaultEvents []string `json:"backup_vault_events"`
}

// CheckVaultNames refuses an account, region or vault name that cannot name a vault: each is
// a directory level of the vault's repository.
func CheckVaultNames(account, regionName, vault string) error {
	if err := names.Account(account); err != nil {
		return apierr.InvalidParameter("%v", err)
	}
	if err := region.ValidName(regionName); err != nil {
		return apierr.InvalidParameter("%v", err)
	}
	if err := names.Vault(vault); err != nil {
		return apierr.InvalidParameter("%v", err)
	}
	return nil
}

// InsertVault stores a new vault and its tags. If the name is taken by a vault created with the
// same non-empty CreatorRequestId, v is replaced by that vault and no error is returned.
func InsertVault(tx store.Tx, v *Vault, tags map[string]string) error {
	if err := CheckVaultNames(v.AccountID, v.Region, v.Name); err != nil {
		return err
	}
	key := VaultKey(v.AccountID, v.Region, v.Name)
	existing, found, err := GetDoc[Vault](tx, CollVaults, key)
	if err != nil {
		return err
	}
	if found {
		if v.CreatorRequestID != "" && existing.CreatorRequestID == v.CreatorRequestID && existing.Type == v.Type {
			*v = existing
			return nil
		}
		return &apierr.Error{Code: apierr.AlreadyExists, Message: "Backup vault with the same name already exists: " + v.Name + " (choose another name, or import the existing vault)",
			Arn: existing.ARN, CreatorRequestId: existing.CreatorRequestID}
	}
	if err := InsertDoc(tx, CollVaults, key, v); err != nil {
		return err
	}
	if len(tags) > 0 {
		return PutDoc(tx, CollTags, v.ARN, tags)
	}
	return nil
}

// FindVault returns a vault by name, or ResourceNotFoundException.
func FindVault(tx store.Tx, account, region, name string) (Vault, error) {
	if err := CheckVaultNames(account, region, name); err != nil {
		return Vault{}, err
	}
	v, found, err := GetDoc[Vault](tx, CollVaults, VaultKey(account, region, name))
	if err != nil {
		return v, err
	}
	if !found {
		return v, apierr.NotFound("Backup vault %s does not exist in account %s, region %s", name, account, region)
	}
	return v, nil
}

// CountRecoveryPoints counts the recovery points stored in a vault.
func CountRecoveryPoints(tx store.Tx, v Vault) (int64, error) {
	n, err := store.Count(tx, CollRecoveryPoints, VaultKey(v.AccountID, v.Region, v.Name)+"/")
	return int64(n), err
}
