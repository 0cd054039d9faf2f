package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// AWS Backup Vault Lock's limits, from the PutBackupVaultLockConfiguration reference
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html):
// "The shortest minimum retention period you can specify is 1 day", "The longest maximum retention
// period you can specify is 36500 days", and "you must set ChangeableForDays to 3 or greater" (a
// 72-hour cooling-off period), up to 36,500 days.
const (
	minLockRetentionDays = rules.MinLockRetentionDays
	maxLockRetentionDays = rules.MaxLockRetentionDays
)

// Vault lock modes. AWS's API has no mode member: a lock put with ChangeableForDays is in compliance
// mode (immutable from its LockDate on), one put without it is in governance mode.
const (
	LockModeGovernance = records.LockModeGovernance
	LockModeCompliance = records.LockModeCompliance
)

// HeaderLockChangeableForDays is a response header of DescribeBackupVault carrying the
// ChangeableForDays the vault's compliance-mode lock was put with. AWS's DescribeBackupVault
// output has no member for it (only the LockDate it produced), so a client that imports a lock
// could not otherwise read back the configuration it must match; the provider reads this header
// when it is there. AWS clients ignore headers they do not know.
const HeaderLockChangeableForDays = "X-Backup-Engine-Lock-Changeable-For-Days"

const day = 24 * time.Hour

// validateLockInput applies the ranges of a lock configuration. Out-of-range values are
// InvalidParameterValueException, which the API reference defines as "something is wrong with a
// parameter's value. For example, the value is out of range."
func validateLockInput(in *wire.PutBackupVaultLockConfigurationInput) error {
	if err := validateRetentionRange(in.MinRetentionDays, in.MaxRetentionDays, minLockRetentionDays); err != nil {
		return err
	}
	return rules.ChangeableForDays(in.ChangeableForDays)
}

// validateRetentionRange checks a lock's MinRetentionDays and MaxRetentionDays: each within
// [floor, 36500] when set, and min ≤ max when both are.
func validateRetentionRange(minDays, maxDays *int64, floor int64) error {
	return rules.LockRetention(minDays, maxDays, floor)
}

// refuseLockChange is why the vault's lock cannot be changed or removed at now, or nil. Refusals
// are InvalidRequestException: the DeleteBackupVaultLockConfiguration reference says "If the Vault
// Lock configuration is immutable … you will receive an InvalidRequestException", and AWS answers
// a change to an immutable lock the same way.
func refuseLockChange(v records.Vault, now time.Time, action string) error {
	if v.Type == VaultTypeAirGapped {
		var minDays, maxDays *int64
		if v.Lock != nil {
			minDays, maxDays = v.Lock.MinRetentionDays, v.Lock.MaxRetentionDays
		}
		return apierr.InvalidReq("Backup vault %s is a logically air-gapped vault: its lock (compliance mode, min %s, max %s retention days) is set when the vault is created and cannot be %s",
			v.Name, fmtDays(minDays), fmtDays(maxDays), action)
	}
	if v.Lock.Immutable(now) {
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
func (s *Service) PutBackupVaultLockConfiguration(ctx context.Context, in *wire.PutBackupVaultLockConfigurationInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateLockInput(in); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if err := refuseLockChange(v, now, "changed"); err != nil {
			return err
		}
		lock := &records.VaultLock{
			MinRetentionDays:  in.MinRetentionDays,
			MaxRetentionDays:  in.MaxRetentionDays,
			ChangeableForDays: in.ChangeableForDays,
			ConfiguredAt:      now,
		}
		if in.ChangeableForDays != nil {
			lock.LockDate = now.Add(time.Duration(*in.ChangeableForDays) * day)
		}
		v.Lock = lock
		if err := records.PutDoc(tx, records.CollVaults, records.VaultKey(v.AccountID, v.Region, v.Name), v); err != nil {
			return err
		}
		return s.recordVaultState(tx, v, stateModified, now)
	})
	if err != nil {
		return nil, internal("put backup vault lock configuration", err)
	}
	s.events.Recorded()
	return &struct{}{}, nil
}

// DeleteBackupVaultLockConfiguration removes a vault's lock: a governance-mode lock at any time, a
// compliance-mode lock only before its lock date, an air-gapped vault's never. Deleting the lock
// of a vault that has none succeeds, so retries are safe.
func (s *Service) DeleteBackupVaultLockConfiguration(ctx context.Context, in *wire.DeleteBackupVaultLockConfigurationInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
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
		if err := records.PutDoc(tx, records.CollVaults, records.VaultKey(v.AccountID, v.Region, v.Name), v); err != nil {
			return err
		}
		return s.recordVaultState(tx, v, stateModified, s.clock.Now())
	})
	if err != nil {
		return nil, internal("delete backup vault lock configuration", err)
	}
	s.events.Recorded()
	return &struct{}{}, nil
}

// lockView is how a vault's lock shows in DescribeBackupVault and ListBackupVaults.
type lockView struct {
	Locked           *bool
	MinRetentionDays *int64
	MaxRetentionDays *int64
	LockDate         *wire.Timestamp
}

// lockViewOf returns the wire fields of lock l. Locked is true whenever the vault has a lock, in either mode
// and before or after the lock date: the model defines Locked as "whether Backup Vault Lock is
// currently protecting the backup vault", and a lock protects the vault's recovery points from
// the moment it is put (only its own removal is restricted by the lock date).
func lockViewOf(l *records.VaultLock) lockView {
	if l == nil {
		return lockView{Locked: ptr(false)}
	}
	return lockView{Locked: ptr(true), MinRetentionDays: l.MinRetentionDays, MaxRetentionDays: l.MaxRetentionDays, LockDate: wire.NewTimestamp(l.LockDate)}
}

// lockExtensionHeaders returns the engine's extra DescribeBackupVault headers for a vault's lock.
func lockExtensionHeaders(l *records.VaultLock) map[string]string {
	if l == nil || l.ChangeableForDays == nil {
		return nil
	}
	return map[string]string{HeaderLockChangeableForDays: fmt.Sprint(*l.ChangeableForDays)}
}
