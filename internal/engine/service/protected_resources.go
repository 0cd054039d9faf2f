package service

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// A protected resource, in AWS Backup's sense, is a resource that has recovery points. Its
// last-backup facts are read from its newest point, so they stay right when points are deleted;
// restore facts, which no point records, are kept per resource in records.CollProtections.

func protectedOut(rp records.RecoveryPoint) *wire.ProtectedResource {
	return &wire.ProtectedResource{LastBackupTime: wire.NewTimestamp(rp.CreationDate), LastBackupVaultArn: rp.VaultARN, LastRecoveryPointArn: rp.ARN,
		ResourceArn: rp.ResourceARN, ResourceName: rp.ResourceName, ResourceType: rp.ResourceType}
}

// ListProtectedResources lists the resources that have recovery points, in ARN order.
func (s *Service) ListProtectedResources(ctx context.Context, in *wire.ListProtectedResourcesInput) (*wire.ListProtectedResourcesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListProtectedResourcesOutput{Results: []*wire.ProtectedResource{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		var pointErr error
		newest := map[string]records.RecoveryPoint{}
		list, next, err := records.Page(tx, records.CollProtections, c.scope(), in.NextToken, in.MaxResults, func(p *records.Protection) bool {
			rp, found, err := records.NewestPoint(tx, c.AccountID, c.Region, p.ResourceARN, "")
			if err != nil {
				pointErr = err
			}
			newest[p.ResourceARN] = rp
			return found
		})
		if err != nil {
			return err
		}
		if pointErr != nil {
			return pointErr
		}
		for _, p := range list {
			out.Results = append(out.Results, protectedOut(newest[p.ResourceARN]))
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list protected resources", err)
	}
	return out, nil
}

// DescribeProtectedResource describes a resource that has recovery points: its latest backup
// and latest restore.
func (s *Service) DescribeProtectedResource(ctx context.Context, in *wire.DescribeProtectedResourceInput) (*wire.DescribeProtectedResourceOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.checkARN("ResourceArn", in.ResourceArn); err != nil {
		return nil, err
	}
	var out *wire.DescribeProtectedResourceOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		rp, found, err := records.NewestPoint(tx, c.AccountID, c.Region, in.ResourceArn, "")
		if err != nil {
			return err
		}
		if !found {
			return apierr.NotFound("resource %s has no recovery points, so it is not a protected resource: start a backup job of it first", in.ResourceArn)
		}
		p, _, err := records.GetDoc[records.Protection](tx, records.CollProtections, records.ProtectionKey(c.AccountID, c.Region, in.ResourceArn))
		if err != nil {
			return err
		}
		out = &wire.DescribeProtectedResourceOutput{ProtectedResource: *protectedOut(rp)}
		if !p.LatestRestoreJobCreationDate.IsZero() {
			out.LatestRestoreExecutionTimeMinutes = ptr(p.LatestRestoreExecutionTimeMinutes)
			out.LatestRestoreJobCreationDate = wire.NewTimestamp(p.LatestRestoreJobCreationDate)
			out.LatestRestoreRecoveryPointCreationDate = wire.NewTimestamp(p.LatestRestoreRecoveryPointCreationDate)
		}
		return nil
	})
	if err != nil {
		return nil, internal("describe protected resource", err)
	}
	return out, nil
}

// ListProtectedResourcesByBackupVault lists the resources with points in a vault, in ARN order,
// each with its newest point there.
func (s *Service) ListProtectedResourcesByBackupVault(ctx context.Context, in *wire.ListProtectedResourcesByBackupVaultInput) (*wire.ListProtectedResourcesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := vaultAccount(c, in.BackupVaultAccountId, in.BackupVaultName); err != nil {
		return nil, err
	}
	limit := records.DefaultMaxResults
	if in.MaxResults != nil && *in.MaxResults > 0 {
		limit = int(*in.MaxResults)
	}
	out := &wire.ListProtectedResourcesOutput{Results: []*wire.ProtectedResource{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := records.FindVault(tx, c.AccountID, c.Region, in.BackupVaultName)
		if err != nil {
			return err
		}
		prefix := records.VaultKey(v.AccountID, v.Region, v.Name) + "/"
		after := ""
		if in.NextToken != "" {
			k, err := records.DecodeToken(in.NextToken, prefix)
			if err != nil {
				return err
			}
			after = strings.TrimPrefix(k, prefix)
		}
		newest, err := records.NewestPointsInVault(tx, v, after)
		if err != nil {
			return err
		}
		resourceARNs := slices.Sorted(maps.Keys(newest))
		if len(resourceARNs) > limit {
			resourceARNs = resourceARNs[:limit]
			out.NextToken = records.EncodeToken(prefix + resourceARNs[limit-1])
		}
		for _, arn := range resourceARNs {
			out.Results = append(out.Results, protectedOut(newest[arn]))
		}
		return nil
	})
	if err != nil {
		return nil, internal("list protected resources by backup vault", err)
	}
	return out, nil
}
