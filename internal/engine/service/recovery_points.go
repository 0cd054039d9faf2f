package service

import (
	"context"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Recovery point statuses and storage classes (the model's RecoveryPointStatus and StorageClass).
const (
	RecoveryPointCompleted = records.RecoveryPointCompleted
	RecoveryPointPartial   = records.RecoveryPointPartial
	StorageClassWarm       = records.StorageClassWarm
	StorageClassCold       = records.StorageClassCold
)

func (s *Service) recoveryPointExistsByARN(tx store.Tx, a arns.ARN) error {
	_, _, err := records.FindPointByARN(tx, a.AccountID, a.Region, a.String())
	return err
}

func describePoint(v records.Vault, rp records.RecoveryPoint) *wire.DescribeRecoveryPointOutput {
	return &wire.DescribeRecoveryPointOutput{
		BackupSizeInBytes:    rp.BackupSizeInBytes,
		BackupVaultArn:       rp.VaultARN,
		BackupVaultName:      rp.VaultName,
		CalculatedLifecycle:  calculatedLifecycle(rp.Lifecycle, rp.CreationDate),
		CompletionDate:       wire.NewTimestamp(rp.CompletionDate),
		CreatedBy:            rp.CreatedBy,
		CreationDate:         wire.NewTimestamp(rp.CreationDate),
		EncryptionKeyArn:     rp.EncryptionKeyARN,
		EncryptionKeyType:    rp.EncryptionKeyType,
		IamRoleArn:           rp.IamRoleARN,
		InitiationDate:       wire.NewTimestamp(rp.InitiationDate),
		IsEncrypted:          true,
		LastRestoreTime:      wire.NewTimestamp(rp.LastRestoreTime),
		Lifecycle:            rp.Lifecycle,
		RecoveryPointArn:     rp.ARN,
		ResourceArn:          rp.ResourceARN,
		ResourceName:         rp.ResourceName,
		ResourceType:         rp.ResourceType,
		SourceBackupVaultArn: rp.SourceVaultARN,
		Status:               rp.Status,
		StatusMessage:        rp.StatusMessage,
		StorageClass:         rp.StorageClass,
		VaultType:            v.Type,
	}
}

// vaultAccount resolves BackupVaultAccountId: vaults of other accounts are not shared with the
// caller here, so naming one is ResourceNotFoundException.
func vaultAccount(c Caller, given, vaultName string) error {
	if given != "" && given != c.AccountID {
		return apierr.NotFound("backup vault %s of account %s is not shared with account %s", vaultName, given, c.AccountID)
	}
	return nil
}

// DescribeRecoveryPoint describes one recovery point.
func (s *Service) DescribeRecoveryPoint(ctx context.Context, in *wire.DescribeRecoveryPointInput) (*wire.DescribeRecoveryPointOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := vaultAccount(c, in.BackupVaultAccountId, in.BackupVaultName); err != nil {
		return nil, err
	}
	var out *wire.DescribeRecoveryPointOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, rp, err := records.FindPoint(tx, c.AccountID, c.Region, in.BackupVaultName, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		out = describePoint(v, rp)
		return nil
	})
	if err != nil {
		return nil, internal("describe recovery point", err)
	}
	return out, nil
}

// ListRecoveryPointsByBackupVault lists a vault's points in creation order, with AWS's filters.
func (s *Service) ListRecoveryPointsByBackupVault(ctx context.Context, in *wire.ListRecoveryPointsByBackupVaultInput) (*wire.ListRecoveryPointsByBackupVaultOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := vaultAccount(c, in.BackupVaultAccountId, in.BackupVaultName); err != nil {
		return nil, err
	}
	out := &wire.ListRecoveryPointsByBackupVaultOutput{RecoveryPoints: []*wire.RecoveryPointByBackupVault{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		list, next, err := records.Page(tx, records.CollRecoveryPoints, records.VaultKey(v.AccountID, v.Region, v.Name)+"/", in.NextToken, in.MaxResults, func(rp *records.RecoveryPoint) bool {
			switch {
			case in.ByResourceArn != "" && rp.ResourceARN != in.ByResourceArn,
				in.ByResourceType != "" && rp.ResourceType != in.ByResourceType,
				in.ByCreatedAfter != nil && !rp.CreationDate.After(in.ByCreatedAfter.Time()),
				in.ByCreatedBefore != nil && !rp.CreationDate.Before(in.ByCreatedBefore.Time()),
				in.ByBackupPlanId != "" && (rp.CreatedBy == nil || rp.CreatedBy.BackupPlanId != in.ByBackupPlanId),
				in.ByParentRecoveryPointArn != "": // no composite points: nothing has a parent
				return false
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, rp := range list {
			d := describePoint(v, *rp)
			out.RecoveryPoints = append(out.RecoveryPoints, &wire.RecoveryPointByBackupVault{
				BackupSizeInBytes: d.BackupSizeInBytes, BackupVaultArn: d.BackupVaultArn, BackupVaultName: d.BackupVaultName,
				CalculatedLifecycle: d.CalculatedLifecycle, CompletionDate: d.CompletionDate, CreatedBy: d.CreatedBy,
				CreationDate: d.CreationDate, EncryptionKeyArn: d.EncryptionKeyArn, EncryptionKeyType: d.EncryptionKeyType,
				IamRoleArn: d.IamRoleArn, InitiationDate: d.InitiationDate, IsEncrypted: d.IsEncrypted, LastRestoreTime: d.LastRestoreTime,
				Lifecycle: d.Lifecycle, RecoveryPointArn: d.RecoveryPointArn, ResourceArn: d.ResourceArn, ResourceName: d.ResourceName,
				ResourceType: d.ResourceType, Status: d.Status, StatusMessage: d.StatusMessage, VaultType: d.VaultType,
				SourceBackupVaultArn: d.SourceBackupVaultArn,
			})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list recovery points by backup vault", err)
	}
	return out, nil
}

// ListRecoveryPointsByResource lists a resource's points in every vault, in creation order. A
// resource with no points (or unknown to the engine) has an empty list, as on AWS.
func (s *Service) ListRecoveryPointsByResource(ctx context.Context, in *wire.ListRecoveryPointsByResourceInput) (*wire.ListRecoveryPointsByResourceOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.checkARN("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	out := &wire.ListRecoveryPointsByResourceOutput{RecoveryPoints: []*wire.RecoveryPointByResource{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		refs, next, err := records.Page[records.PointRef](tx, records.CollResourcePoints, c.AccountID+"/"+c.Region+"/"+in.ResourceArn+"/", in.NextToken, in.MaxResults, nil)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, records.PointKey(c.AccountID, c.Region, ref.Vault, ref.ID))
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			v, _, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(c.AccountID, c.Region, ref.Vault))
			if err != nil {
				return err
			}
			out.RecoveryPoints = append(out.RecoveryPoints, &wire.RecoveryPointByResource{
				BackupSizeBytes: rp.BackupSizeInBytes, BackupVaultName: rp.VaultName, CreationDate: wire.NewTimestamp(rp.CreationDate),
				EncryptionKeyArn: rp.EncryptionKeyARN, EncryptionKeyType: rp.EncryptionKeyType, RecoveryPointArn: rp.ARN,
				ResourceName: rp.ResourceName, Status: rp.Status, StatusMessage: rp.StatusMessage, VaultType: v.Type,
			})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list recovery points by resource", err)
	}
	return out, nil
}

// DeleteRecoveryPoint deletes a recovery point, subject to the vault's protection rules. The
// point is gone from every listing when the call returns; its data is removed from the vault's
// repository in the background (a queued task that survives restarts).
func (s *Service) DeleteRecoveryPoint(ctx context.Context, in *wire.DeleteRecoveryPointInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	// The storage below the engine may still retain the point's objects on its own clock (S3
	// Object Lock) when the engine's clock has travelled past the point's retention: then the
	// point stays, as the server would not let its objects go. Asked before the transaction, as
	// it may send a request.
	var storageKeep error
	err = s.store.View(ctx, func(tx store.Tx) error {
		_, rp, err := records.FindPoint(tx, c.AccountID, c.Region, in.BackupVaultName, in.RecoveryPointArn)
		if err != nil {
			return nil // the transaction below answers it
		}
		until, held, err := s.repos.StorageRetention(ctx, rp)
		if err != nil {
			storageKeep = fmt.Errorf("recovery point %s: its storage could not say whether S3 Object Lock still retains its objects: %w", rp.ARN, err)
		} else if keep := records.StorageKeeps(until, held); keep != nil {
			storageKeep = apierr.InvalidReq("recovery point %s cannot be deleted yet: %v", rp.ARN, keep)
		}
		return nil
	})
	if err != nil {
		return nil, internal("delete recovery point", err)
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, rp, err := records.FindPoint(tx, c.AccountID, c.Region, in.BackupVaultName, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		if err := records.RefuseByVaultPolicy(tx, v, c.AccountID, c.Region, records.ActionDeletePoint, rp.ARN, now); err != nil {
			return err
		}
		if err := records.CheckPointDeletable(tx, v, rp, now); err != nil {
			return err
		}
		if job, err := records.ActiveRestoreOf(tx, c.AccountID, c.Region, rp.ARN); err != nil {
			return err
		} else if job != "" {
			return apierr.InvalidReq("recovery point %s is being restored by restore job %s; delete it when the job has finished", rp.ARN, job)
		}
		if storageKeep != nil {
			return storageKeep
		}
		if err := records.DeleteRecoveryPoint(tx, rp); err != nil {
			return err
		}
		return jobs.QueueForget(tx, rp)
	})
	if err != nil {
		return nil, internal("delete recovery point", err)
	}
	s.runner.Notify()
	return &struct{}{}, nil
}

// UpdateRecoveryPointLifecycle replaces a point's lifecycle. As on AWS, the call sets the whole
// lifecycle: a member left out is cleared.
func (s *Service) UpdateRecoveryPointLifecycle(ctx context.Context, in *wire.UpdateRecoveryPointLifecycleInput) (*wire.UpdateRecoveryPointLifecycleOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateJobLifecycle(in.Lifecycle); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var out *wire.UpdateRecoveryPointLifecycleOutput
	var locked records.Vault
	var changed records.RecoveryPoint
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, rp, err := records.FindPoint(tx, c.AccountID, c.Region, in.BackupVaultName, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		if err := records.RefuseByVaultPolicy(tx, v, c.AccountID, c.Region, records.ActionUpdateLifecycle, rp.ARN, now); err != nil {
			return err
		}
		supportsCold := false
		if conn, ok := s.connectors[rp.ResourceType]; ok {
			supportsCold = conn.SupportsColdStorage()
		}
		lc := records.EffectiveLifecycle(in.Lifecycle, supportsCold)
		if err := records.CheckHeldLifecycleChange(tx, rp, lc); err != nil {
			return err
		}
		if err := records.CheckLifecycleChange(v, rp, lc, now); err != nil {
			return err
		}
		rp.Lifecycle = lc
		locked, changed = v, rp
		if err := records.PutDoc(tx, records.CollRecoveryPoints, records.PointKey(rp.AccountID, rp.Region, rp.VaultName, rp.ID), rp); err != nil {
			return err
		}
		if err := records.IndexPointLifecycle(tx, rp); err != nil {
			return err
		}
		out = &wire.UpdateRecoveryPointLifecycleOutput{BackupVaultArn: rp.VaultARN, CalculatedLifecycle: calculatedLifecycle(lc, rp.CreationDate), Lifecycle: lc, RecoveryPointArn: rp.ARN}
		return events.RecordForVault(tx, s.events, events.Event{Type: "RECOVERY_POINT_MODIFIED", State: rp.StorageClass, AccountID: rp.AccountID, Region: rp.Region,
			VaultName: rp.VaultName, VaultARN: rp.VaultARN, ResourceARN: rp.ResourceARN, ResourceType: rp.ResourceType, RecoveryPointARN: rp.ARN,
			Message: fmt.Sprintf("The lifecycle of recovery point %s was changed.", rp.ARN)})
	})
	if err != nil {
		return nil, internal("update recovery point lifecycle", err)
	}
	s.events.Recorded()
	s.sched.Wake()
	// A locked vault's objects in an Object Lock bucket are retained as long as the point now is.
	// The lifecycle is recorded first; a failure here is reported, and the call can be repeated.
	if s.repos != nil {
		if err := jobs.RetainPoint(ctx, s.repos, locked, changed); err != nil {
			return nil, internal("extend the S3 Object Lock retention of the point's objects (the lifecycle is recorded; call again)", err)
		}
	}
	return out, nil
}

// GetRecoveryPointRestoreMetadata returns the configuration of the resource the point was taken
// of, in the keys StartRestoreJob accepts.
func (s *Service) GetRecoveryPointRestoreMetadata(ctx context.Context, in *wire.GetRecoveryPointRestoreMetadataInput) (*wire.GetRecoveryPointRestoreMetadataOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := vaultAccount(c, in.BackupVaultAccountId, in.BackupVaultName); err != nil {
		return nil, err
	}
	var out *wire.GetRecoveryPointRestoreMetadataOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		_, rp, err := records.FindPoint(tx, c.AccountID, c.Region, in.BackupVaultName, in.RecoveryPointArn)
		if err != nil {
			return err
		}
		conn, err := s.connectors.Connector(rp.ResourceType)
		if err != nil {
			return err
		}
		out = &wire.GetRecoveryPointRestoreMetadataOutput{BackupVaultArn: rp.VaultARN, RecoveryPointArn: rp.ARN, ResourceType: rp.ResourceType,
			RestoreMetadata: conn.RestoreMetadata(rp.Resource, rp.EncryptionKeyARN)}
		return nil
	})
	if err != nil {
		return nil, internal("get recovery point restore metadata", err)
	}
	return out, nil
}
