package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/policy"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// parsePolicy validates an access policy document against the operations of AWS Backup's API.
// A malformed document is InvalidParameterValueException, the error PutBackupVaultAccessPolicy
// lists for a bad parameter value; the message says where the document is wrong.
func (s *Service) parsePolicy(text string) (*policy.Document, error) {
	actions := s.policyActions
	if actions != nil {
		actions = append(actions[:len(actions):len(actions)], records.IAMOnlyActions...)
	}
	return rules.VaultAccessPolicy(text, actions)
}

// PutBackupVaultAccessPolicy sets (or replaces) a vault's access policy.
//
// The policy is parsed and validated here, and enforced by records/vault_access.go. The vault's
// own account can always replace or delete it, whatever it says (records/vault_access.go says
// why).
func (s *Service) PutBackupVaultAccessPolicy(ctx context.Context, in *wire.PutBackupVaultAccessPolicyInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if in.Policy == nil || *in.Policy == "" {
		return nil, apierr.Missing("Policy is required: pass the access policy document as JSON")
	}
	if _, err := s.parsePolicy(*in.Policy); err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		return records.PutDoc(tx, records.CollVaultPolicies, records.VaultKey(v.AccountID, v.Region, v.Name), records.VaultPolicy{Policy: *in.Policy, UpdatedAt: s.clock.Now()})
	})
	if err != nil {
		return nil, internal("put backup vault access policy", err)
	}
	return &struct{}{}, nil
}

// GetBackupVaultAccessPolicy returns a vault's access policy as it was written. A vault without
// one answers ResourceNotFoundException, as AWS does.
func (s *Service) GetBackupVaultAccessPolicy(ctx context.Context, in *wire.GetBackupVaultAccessPolicyInput) (*wire.GetBackupVaultAccessPolicyOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetBackupVaultAccessPolicyOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		p, found, err := records.GetDoc[records.VaultPolicy](tx, records.CollVaultPolicies, records.VaultKey(v.AccountID, v.Region, v.Name))
		if err != nil {
			return err
		}
		if !found {
			return apierr.NotFound("Backup vault %s has no access policy", v.Name)
		}
		out = &wire.GetBackupVaultAccessPolicyOutput{BackupVaultArn: v.ARN, BackupVaultName: v.Name, Policy: p.Policy}
		return nil
	})
	if err != nil {
		return nil, internal("get backup vault access policy", err)
	}
	return out, nil
}

// DeleteBackupVaultAccessPolicy removes a vault's access policy. Removing the policy of a vault
// that has none succeeds, so retries are safe; a vault that does not exist is
// ResourceNotFoundException.
func (s *Service) DeleteBackupVaultAccessPolicy(ctx context.Context, in *wire.DeleteBackupVaultAccessPolicyInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		return records.DeleteIfExists(tx, records.CollVaultPolicies, records.VaultKey(v.AccountID, v.Region, v.Name))
	})
	if err != nil {
		return nil, internal("delete backup vault access policy", err)
	}
	return &struct{}{}, nil
}
