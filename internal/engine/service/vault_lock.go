package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// AWS Backup Vault Lock's limits, from the PutBackupVaultLockConfiguration reference
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html):
// "The shortest minimum retention period you can specify is 1 day", "The longest maximum retention
// period you can specify is 36500 days", and "you must set ChangeableForDays to 3 or greater" (a
// 72-hour cooling-off period), up to 36,500 days.
const (
	minLockRetentionDays = 1
	maxLockRetentionDays = 36500
	minChangeableForDays = 3
	maxChangeableForDays = 36500
)

// Vault lock modes. AWS's API has no mode member: a lock put with ChangeableForDays is in compliance
// mode (immutable from its LockDate on), one put without it is in governance mode.
const (
	LockModeGovernance = "GOVERNANCE"
	LockModeCompliance = "COMPLIANCE"
)

// HeaderLockChangeableForDays is a response header of DescribeBackupVault carrying the
// ChangeableForDays the vault's compliance-mode lock was put with. AWS's DescribeBackupVault
// output has no member for it (only the LockDate it produced), so a client that imports a lock
// could not otherwise read back the configuration it must match; the provider reads this header
// when it is there. AWS clients ignore headers they do not know.
const HeaderLockChangeableForDays = "X-Backup-Engine-Lock-Changeable-For-Days"

const day = 24 * time.Hour

// vaultLock is a vault's Backup Vault Lock configuration, kept in the vault record.
type vaultLock struct {
	MinRetentionDays  *int64 `json:"min_retention_days,omitempty"`
	MaxRetentionDays  *int64 `json:"max_retention_days,omitempty"`
	ChangeableForDays *int64 `json:"changeable_for_days,omitempty"`
	// ConfiguredAt is when the configuration was put (the vault's creation for an air-gapped vault).
	ConfiguredAt time.Time `json:"configured_at"`
	// LockDate is when a compliance-mode lock becomes immutable: ConfiguredAt + ChangeableForDays.
	// It is the zero time in governance mode.
	LockDate time.Time `json:"lock_date"`
}

// mode is LockModeCompliance for a lock with a lock date, LockModeGovernance otherwise.
func (l *vaultLock) mode() string {
	if l != nil && !l.LockDate.IsZero() {
		return LockModeCompliance
	}
	return LockModeGovernance
}

// immutable reports whether the lock can no longer be changed or deleted at now: a compliance-mode
// lock on and after its lock date ("On and after the lock date, the Vault Lock becomes immutable
// and cannot be changed or deleted" — PutBackupVaultLockConfiguration, ChangeableForDays).
func (l *vaultLock) immutable(now time.Time) bool {
	return l != nil && !l.LockDate.IsZero() && !now.Before(l.LockDate)
}

// PutBackupVaultLockConfigurationInput is the wire input of PutBackupVaultLockConfiguration.
type PutBackupVaultLockConfigurationInput struct {
	BackupVaultName   string `json:"BackupVaultName"`
	ChangeableForDays *int64 `json:"ChangeableForDays,omitempty"`
	MaxRetentionDays  *int64 `json:"MaxRetentionDays,omitempty"`
	MinRetentionDays  *int64 `json:"MinRetentionDays,omitempty"`
}

// validateLockInput applies the ranges of a lock configuration. Out-of-range values are
// InvalidParameterValueException, which the API reference defines as "something is wrong with a
// parameter's value. For example, the value is out of range."
func validateLockInput(in *PutBackupVaultLockConfigurationInput) error {
	if err := validateRetentionRange(in.MinRetentionDays, in.MaxRetentionDays, minLockRetentionDays); err != nil {
		return err
	}
	if d := in.ChangeableForDays; d != nil {
		if *d < minChangeableForDays {
			return apierr.InvalidParameter("ChangeableForDays must be at least %d, got %d: AWS Backup enforces a 72-hour cooling-off period before a compliance-mode lock becomes immutable (omit ChangeableForDays for a governance-mode lock)", minChangeableForDays, *d)
		}
		if *d > maxChangeableForDays {
			return apierr.InvalidParameter("ChangeableForDays must be at most %d days (about 100 years), got %d", maxChangeableForDays, *d)
		}
	}
	return nil
}

// validateRetentionRange checks a lock's MinRetentionDays and MaxRetentionDays: each within
// [floor, 36500] when set, and min ≤ max when both are.
func validateRetentionRange(minDays, maxDays *int64, floor int64) error {
	if minDays != nil {
		if *minDays < floor {
			return apierr.InvalidParameter("MinRetentionDays must be at least %d, got %d", floor, *minDays)
		}
		if *minDays > maxLockRetentionDays {
			return apierr.InvalidParameter("MinRetentionDays must be at most %d days (about 100 years), got %d", maxLockRetentionDays, *minDays)
		}
	}
	if maxDays != nil {
		if *maxDays < floor {
			return apierr.InvalidParameter("MaxRetentionDays must be at least %d, got %d", floor, *maxDays)
		}
		if *maxDays > maxLockRetentionDays {
			return apierr.InvalidParameter("MaxRetentionDays must be at most %d days (about 100 years), got %d", maxLockRetentionDays, *maxDays)
		}
	}
	if minDays != nil && maxDays != nil && *minDays > *maxDays {
		return apierr.InvalidParameter("MinRetentionDays (%d) must not be greater than MaxRetentionDays (%d)", *minDays, *maxDays)
	}
	return nil
}

// refuseLockChange is why the vault's lock cannot be changed or removed at now, or nil. Refusals
// are InvalidRequestException: the DeleteBackupVaultLockConfiguration reference says "If the Vault
// Lock configuration is immutable … you will receive an InvalidRequestException", and AWS answers
// a change to an immutable lock the same way.
func refuseLockChange(v vault, now time.Time, action string) error {
	if v.Type == VaultTypeAirGapped {
		var minDays, maxDays *int64
		if v.Lock != nil {
			minDays, maxDays = v.Lock.MinRetentionDays, v.Lock.MaxRetentionDays
		}
		return apierr.InvalidReq("Backup vault %s is a logically air-gapped vault: its lock (compliance mode, min %s, max %s retention days) is set when the vault is created and cannot be %s",
			v.Name, fmtDays(minDays), fmtDays(maxDays), action)
	}
	if v.Lock.immutable(now) {
		return apierr.InvalidReq("The vault lock of backup vault %s is in compliance mode and became immutable on its lock date, %s: it cannot be %s by anyone. It ends only when the vault, once empty, is deleted",
			v.Name, v.Lock.LockDate.UTC().Format(time.RFC3339), action)
	}
	return nil
}

func fmtDays(d *int64) string {
	if d == nil {
		return "no"
	}
	return strconv.FormatInt(*d, 10)
}

// PutBackupVaultLockConfiguration puts a lock on a vault, or replaces its lock while that is still
// allowed. With ChangeableForDays the lock is in compliance mode and its lock date is now +
// ChangeableForDays; without it, the lock is in governance mode and has no lock date.
func (s *Service) PutBackupVaultLockConfiguration(ctx context.Context, in *PutBackupVaultLockConfigurationInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateLockInput(in); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := findVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if err := refuseLockChange(v, now, "changed"); err != nil {
			return err
		}
		lock := &vaultLock{
			MinRetentionDays:  in.MinRetentionDays,
			MaxRetentionDays:  in.MaxRetentionDays,
			ChangeableForDays: in.ChangeableForDays,
			ConfiguredAt:      now,
		}
		if in.ChangeableForDays != nil {
			lock.LockDate = now.Add(time.Duration(*in.ChangeableForDays) * day)
		}
		v.Lock = lock
		return records.PutDoc(tx, records.CollVaults, records.VaultKey(v.AccountID, v.Region, v.Name), v)
	})
	if err != nil {
		return nil, internal("put backup vault lock configuration", err)
	}
	return &struct{}{}, nil
}

// DeleteBackupVaultLockConfigurationInput is the wire input of DeleteBackupVaultLockConfiguration.
type DeleteBackupVaultLockConfigurationInput struct {
	BackupVaultName string `json:"BackupVaultName"`
}

// DeleteBackupVaultLockConfiguration removes a vault's lock: a governance-mode lock at any time, a
// compliance-mode lock only before its lock date, an air-gapped vault's never. Deleting the lock
// of a vault that has none succeeds, so retries are safe.
func (s *Service) DeleteBackupVaultLockConfiguration(ctx context.Context, in *DeleteBackupVaultLockConfigurationInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := findVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		if v.Lock == nil {
			return nil
		}
		if err := refuseLockChange(v, s.clock.Now(), "removed"); err != nil {
			return err
		}
		v.Lock = nil
		return records.PutDoc(tx, records.CollVaults, records.VaultKey(v.AccountID, v.Region, v.Name), v)
	})
	if err != nil {
		return nil, internal("delete backup vault lock configuration", err)
	}
	return &struct{}{}, nil
}

// lockView is how a vault's lock shows in DescribeBackupVault and ListBackupVaults.
type lockView struct {
	Locked           *bool
	MinRetentionDays *int64
	MaxRetentionDays *int64
	LockDate         *Timestamp
}

// view returns the lock's wire fields. Locked is true whenever the vault has a lock, in either mode
// and before or after the lock date: the model defines Locked as "whether Backup Vault Lock is
// currently protecting the backup vault", and a lock protects the vault's recovery points from
// the moment it is put (only its own removal is restricted by the lock date).
func (l *vaultLock) view() lockView {
	if l == nil {
		return lockView{Locked: ptr(false)}
	}
	return lockView{Locked: ptr(true), MinRetentionDays: l.MinRetentionDays, MaxRetentionDays: l.MaxRetentionDays, LockDate: NewTimestamp(l.LockDate)}
}

// refuseManualPointDeletion is the vault's rule for deleting one of its recovery points by hand —
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
func (v vault) refuseManualPointDeletion(pointARN string, created, retainUntil, now time.Time) error {
	if v.Type == VaultTypeAirGapped {
		return apierr.InvalidReq("Recovery point %s is in the logically air-gapped vault %s: points in an air-gapped vault cannot be deleted by hand, only by their lifecycle", pointARN, v.Name)
	}
	if forbidden, until := lockForbidsDeletion(v.Lock, created, retainUntil, now); forbidden {
		if until.IsZero() {
			return apierr.InvalidReq("Recovery point %s cannot be deleted: backup vault %s is locked (%s mode) and the point has no end to its retention", pointARN, v.Name, v.Lock.mode())
		}
		return apierr.InvalidReq("Recovery point %s cannot be deleted before %s: backup vault %s is locked (%s mode) and the point's retention has not ended",
			pointARN, until.UTC().Format(time.RFC3339), v.Name, v.Lock.mode())
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
func lockForbidsDeletion(l *vaultLock, created, retainUntil, now time.Time) (bool, time.Time) {
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

// checkJobRetention is the vault lock's rule for backup and copy jobs into the vault: "any backup
// or copy job to the vault must have a lifecycle policy with a retention period equal to or longer
// than the minimum retention period … [and] equal to or shorter than the maximum retention period
// … If the job's retention period is [outside them], then the vault fails the backup or copy job"
// (PutBackupVaultLockConfiguration, MinRetentionDays and MaxRetentionDays).
//
// deleteAfterDays is the job's retention (nil: kept indefinitely, which satisfies any minimum and
// no maximum). It returns nil when the job may write into the vault, else an error whose message
// is the job's StatusMessage. The job runner (issues 5 and 6) MUST call it before a backup or copy
// job writes a recovery point into the vault.
func (v vault) checkJobRetention(deleteAfterDays *int64) error {
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

// extensionHeaders returns the engine's extra DescribeBackupVault headers for a vault's lock.
func (l *vaultLock) extensionHeaders() map[string]string {
	if l == nil || l.ChangeableForDays == nil {
		return nil
	}
	return map[string]string{HeaderLockChangeableForDays: fmt.Sprint(*l.ChangeableForDays)}
}
