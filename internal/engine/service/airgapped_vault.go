package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// minAirGappedRetentionDays is the smallest MinRetentionDays of a logically air-gapped vault: "The
// minimum value accepted is 7 days" (CreateLogicallyAirGappedBackupVault, MinRetentionDays).
const minAirGappedRetentionDays = rules.MinAirGappedRetentionDays

// CreateLogicallyAirGappedBackupVault creates a logically air-gapped vault. Such a vault is born
// locked in compliance mode with the given retention range and a lock date equal to its creation,
// so its lock is immutable from the start (refuseLockChange) and its recovery points can never be
// deleted by hand (refuseManualPointDeletion). It shares the name space of ordinary vaults, and a
// retry with the same CreatorRequestId returns the vault the first call made.
//
// AWS creates such a vault asynchronously (CREATING, then AVAILABLE); here creation is complete
// when the call returns, so the vault is AVAILABLE at once and waiters see their target on the
// first poll.
func (s *Service) CreateLogicallyAirGappedBackupVault(ctx context.Context, in *wire.CreateLogicallyAirGappedBackupVaultInput) (*wire.CreateLogicallyAirGappedBackupVaultOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.MinRetentionDays == nil {
		return nil, apierr.Missing("MinRetentionDays is required: the smallest retention, in days (at least %d), of recovery points in the vault", minAirGappedRetentionDays)
	}
	if in.MaxRetentionDays == nil {
		return nil, apierr.Missing("MaxRetentionDays is required: the largest retention, in days (at most %d), of recovery points in the vault", maxLockRetentionDays)
	}
	if err := validateRetentionRange(in.MinRetentionDays, in.MaxRetentionDays, minAirGappedRetentionDays); err != nil {
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
	now := s.clock.Now()
	v := records.Vault{
		Name:              in.BackupVaultName,
		ARN:               arns.Vault(c.Region, c.AccountID, in.BackupVaultName),
		AccountID:         c.AccountID,
		Region:            c.Region,
		Type:              VaultTypeAirGapped,
		State:             VaultStateAvailable,
		EncryptionKeyARN:  keyARN,
		EncryptionKeyType: keyType,
		CreatorRequestID:  in.CreatorRequestId,
		CreationDate:      now,
		Lock: &records.VaultLock{
			MinRetentionDays: in.MinRetentionDays,
			MaxRetentionDays: in.MaxRetentionDays,
			ConfiguredAt:     now,
			LockDate:         now,
		},
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return s.insertVaultRecording(tx, &v, in.BackupVaultTags)
	})
	if err != nil {
		return nil, internal("create logically air-gapped backup vault", err)
	}
	s.events.Recorded()
	return &wire.CreateLogicallyAirGappedBackupVaultOutput{
		BackupVaultArn:  v.ARN,
		BackupVaultName: v.Name,
		CreationDate:    wire.NewTimestamp(v.CreationDate),
		VaultState:      v.State,
	}, nil
}
