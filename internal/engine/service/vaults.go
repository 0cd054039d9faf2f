package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Vault types and states (the model's VaultType and VaultState enums).
const (
	VaultTypeBackup        = records.VaultTypeBackup
	VaultTypeAirGapped     = records.VaultTypeAirGapped
	VaultStateAvailable    = "AVAILABLE"
	keyTypeCustomerManaged = "CUSTOMER_MANAGED_KMS_KEY"
	keyTypeAWSOwned        = "AWS_OWNED_KMS_KEY"
)

// CreateBackupVault creates a vault. A retry with the same CreatorRequestId returns the vault the
// first call made instead of failing with AlreadyExistsException.
func (s *Service) CreateBackupVault(ctx context.Context, in *wire.CreateBackupVaultInput) (*wire.CreateBackupVaultOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.BackupVaultTags); err != nil {
		return nil, err
	}
	keyARN, keyType := arns.DefaultKey(c.Region, c.AccountID), keyTypeAWSOwned
	if in.EncryptionKeyArn != "" {
		if err := arns.CheckKMSKey(in.EncryptionKeyArn); err != nil {
			return nil, err
		}
		keyARN, keyType = in.EncryptionKeyArn, keyTypeCustomerManaged
	}
	v := records.Vault{
		Name:              in.BackupVaultName,
		ARN:               arns.Vault(c.Region, c.AccountID, in.BackupVaultName),
		AccountID:         c.AccountID,
		Region:            c.Region,
		Type:              VaultTypeBackup,
		State:             VaultStateAvailable,
		EncryptionKeyARN:  keyARN,
		EncryptionKeyType: keyType,
		CreatorRequestID:  in.CreatorRequestId,
		CreationDate:      s.clock.Now(),
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return s.insertVaultRecording(tx, &v, in.BackupVaultTags)
	})
	if err != nil {
		return nil, internal("create backup vault", err)
	}
	s.events.Recorded()
	return &wire.CreateBackupVaultOutput{BackupVaultArn: v.ARN, BackupVaultName: v.Name, CreationDate: wire.NewTimestamp(v.CreationDate)}, nil
}

func (s *Service) vaultExistsByARN(tx store.Tx, a arns.ARN) error {
	_, err := records.FindVault(tx, a.AccountID, a.Region, a.Name())
	return err
}

// DescribeBackupVault returns a vault's configuration and how many recovery points it holds.
func (s *Service) DescribeBackupVault(ctx context.Context, in *wire.DescribeBackupVaultInput) (*wire.DescribeBackupVaultOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	account := c.AccountID
	if in.BackupVaultAccountId != "" {
		account = in.BackupVaultAccountId
	}
	var out *wire.DescribeBackupVaultOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, account, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		n, err := records.CountRecoveryPoints(tx, v)
		if err != nil {
			return err
		}
		lock := lockViewOf(v.Lock)
		out = &wire.DescribeBackupVaultOutput{
			BackupVaultArn:         v.ARN,
			BackupVaultName:        v.Name,
			CreationDate:           wire.NewTimestamp(v.CreationDate),
			CreatorRequestId:       v.CreatorRequestID,
			EncryptionKeyArn:       v.EncryptionKeyARN,
			EncryptionKeyType:      v.EncryptionKeyType,
			NumberOfRecoveryPoints: n,
			VaultState:             v.State,
			VaultType:              v.Type,
			Locked:                 lock.Locked,
			MinRetentionDays:       lock.MinRetentionDays,
			MaxRetentionDays:       lock.MaxRetentionDays,
			LockDate:               lock.LockDate,
			Headers:                lockExtensionHeaders(v.Lock),
		}
		return nil
	})
	if err != nil {
		return nil, internal("describe backup vault", err)
	}
	return out, nil
}

// DeleteBackupVault deletes an empty vault, with its tags, lock, access policy and notification
// configuration.
//
// A vault lock does not stop the deletion of an empty vault, even a compliance-mode lock past its
// lock date: "A vault can be deleted only if it is empty" (DeleteBackupVault reference), and
// "Vaults locked in compliance mode cannot be deleted once the cooling-off period ("grace time")
// expires if any recovery points are in the vault"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html). The lock guards the
// points; once none is left, the vault goes and its lock with it. The same holds for air-gapped
// vaults.
func (s *Service) DeleteBackupVault(ctx context.Context, in *wire.DeleteBackupVaultInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	// A removal of deleted points' data in flight takes moments; waiting for it spares every
	// client (the CLI, SDK scripts, terraform destroy) a retry loop of its own.
	for wait := time.Duration(0); ; wait += removalPoll {
		err = s.deleteVaultDoc(ctx, c, in.BackupVaultName)
		if !errors.Is(err, jobs.ErrRemovalInFlight) {
			break
		}
		if wait >= removalPatience {
			return nil, apierr.InvalidReq("Backup vault %s cannot be deleted yet: the data of its deleted recovery points is still being removed; retry in a few seconds", in.BackupVaultName)
		}
		t := time.NewTimer(removalPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	if err != nil {
		return nil, internal("delete backup vault", err)
	}
	s.events.Recorded()
	// The vault's repository holds no recovery point any more; a vault created again under the
	// name starts a new one, with its own key.
	if s.repos != nil {
		if err := s.repos.Remove(ctx, c.AccountID, c.Region, in.BackupVaultName); err != nil {
			s.log.Warn("removing a deleted vault's repository failed", "vault", in.BackupVaultName, "error", err)
		}
	}
	return &struct{}{}, nil
}

// deleteVaultDoc deletes the vault's documents (its policy, notifications and tags with it) once
// nothing protects or writes into it, in one transaction.
func (s *Service) deleteVaultDoc(ctx context.Context, c Caller, name string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, name)
		if err != nil {
			return err
		}
		if err := records.RefuseByVaultPolicy(tx, v, c.AccountID, c.Region, records.ActionDeleteVault, v.ARN, s.clock.Now()); err != nil {
			return err
		}
		n, err := records.CountRecoveryPoints(tx, v)
		if err != nil {
			return err
		}
		if n > 0 {
			held, err := records.CountHeldPoints(tx, v)
			if err != nil {
				return err
			}
			if held > 0 && v.Type == VaultTypeAirGapped {
				return apierr.InvalidReq("Backup vault %s cannot be deleted because it contains %d recovery points, %d of them under legal hold, and points in a logically air-gapped vault are deleted only by their lifecycle: cancel the hold(s), and delete the vault once their retention has ended", v.Name, n, held)
			}
			if held > 0 {
				return apierr.InvalidReq("Backup vault %s cannot be deleted because it contains %d recovery points, %d of them under legal hold: cancel the hold(s), then delete the points (or set force_destroy in Terraform)", v.Name, n, held)
			}
			if v.Type == VaultTypeAirGapped {
				return apierr.InvalidReq("Backup vault %s cannot be deleted because it contains %d recovery points, which in a logically air-gapped vault are deleted only by their lifecycle: delete the vault once their retention has ended", v.Name, n)
			}
			return apierr.InvalidReq("Backup vault %s cannot be deleted because it contains %d recovery points: delete them first (or set force_destroy in Terraform)", v.Name, n)
		}
		if job, err := activeBackupJobInto(tx, v); err != nil {
			return err
		} else if job != "" {
			return apierr.InvalidReq("Backup vault %s cannot be deleted while backup job %s is writing into it: wait for the job or stop it (StopBackupJob)", v.Name, job)
		}
		if job, err := activeCopyJobInto(tx, v); err != nil {
			return err
		} else if job != "" {
			return apierr.InvalidReq("Backup vault %s cannot be deleted while copy job %s is writing into it: wait for the job to finish", v.Name, job)
		}
		if err := jobs.SettleDataRemovals(tx, v); err != nil {
			return err
		}
		key := records.VaultKey(v.AccountID, v.Region, v.Name)
		if err := tx.Delete(records.CollVaults, key); err != nil {
			return err
		}
		if err := records.DeleteIfExists(tx, records.CollVaultPolicies, key); err != nil {
			return err
		}
		if err := records.DeleteIfExists(tx, records.CollVaultNotifications, key); err != nil {
			return err
		}
		if err := deleteTags(tx, v.ARN); err != nil {
			return err
		}
		return s.recordVaultState(tx, v, stateDeleted, s.clock.Now())
	})
}

// ListBackupVaults lists the caller's vaults in the region, in name order.
func (s *Service) ListBackupVaults(ctx context.Context, in *wire.ListBackupVaultsInput) (*wire.ListBackupVaultsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if deref(in.ByShared) {
		// Vault sharing through AWS RAM does not exist here, so no vault is shared with the caller.
		return &wire.ListBackupVaultsOutput{BackupVaultList: []*wire.BackupVaultListMember{}}, nil
	}
	out := &wire.ListBackupVaultsOutput{BackupVaultList: []*wire.BackupVaultListMember{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		vaults, next, err := records.Page(tx, records.CollVaults, c.scope(), in.NextToken, in.MaxResults, func(v *records.Vault) bool {
			return in.ByVaultType == "" || strings.EqualFold(v.Type, in.ByVaultType)
		})
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, v := range vaults {
			n, err := records.CountRecoveryPoints(tx, *v)
			if err != nil {
				return err
			}
			lock := lockViewOf(v.Lock)
			out.BackupVaultList = append(out.BackupVaultList, &wire.BackupVaultListMember{
				BackupVaultArn:         v.ARN,
				BackupVaultName:        v.Name,
				CreationDate:           wire.NewTimestamp(v.CreationDate),
				CreatorRequestId:       v.CreatorRequestID,
				EncryptionKeyArn:       v.EncryptionKeyARN,
				EncryptionKeyType:      v.EncryptionKeyType,
				NumberOfRecoveryPoints: n,
				VaultState:             v.State,
				VaultType:              v.Type,
				Locked:                 lock.Locked,
				MinRetentionDays:       lock.MinRetentionDays,
				MaxRetentionDays:       lock.MaxRetentionDays,
				LockDate:               lock.LockDate,
			})
		}
		return nil
	})
	if err != nil {
		return nil, internal("list backup vaults", err)
	}
	return out, nil
}
