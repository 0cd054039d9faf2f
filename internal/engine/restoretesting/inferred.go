package restoretesting

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// InferredMetadata is GetRestoreTestingInferredMetadata: "the minimal required set of metadata
// needed to start a restore job with secure default settings" (API reference). Here that is the
// metadata a restore test of the point restores with: the connector's restore metadata of the
// original, with the scratch target a run would create (its name ends in the restore job's ID,
// shown here as a placeholder).
func (s *Service) InferredMetadata(ctx context.Context, sc Scope, in *wire.GetRestoreTestingInferredMetadataInput) (*wire.GetRestoreTestingInferredMetadataOutput, error) {
	if in.BackupVaultAccountId != "" && in.BackupVaultAccountId != sc.AccountID {
		return nil, apierr.NotFound("backup vault %s of account %s is not shared with account %s", in.BackupVaultName, in.BackupVaultAccountId, sc.AccountID)
	}
	var rp records.RecoveryPoint
	var v records.Vault
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		v, rp, err = records.FindPointByARN(tx, sc.AccountID, sc.Region, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		if rp.VaultName != in.BackupVaultName {
			return apierr.NotFound("recovery point %s is not in backup vault %s (it is in %s)", in.RecoveryPointArn, in.BackupVaultName, rp.VaultName)
		}
		return nil
	})
	if err != nil {
		return nil, internal("get restore testing inferred metadata", err)
	}
	conn, err := s.connectors.Connector(rp.ResourceType)
	if err != nil {
		return nil, err
	}
	meta := conn.RestoreMetadata(rp.Resource, v.EncryptionKeyARN)
	for k, val := range scratchMetadata(rp.Resource, "JOBID", nil) {
		meta[k] = val
	}
	return &wire.GetRestoreTestingInferredMetadataOutput{InferredMetadata: meta}, nil
}
