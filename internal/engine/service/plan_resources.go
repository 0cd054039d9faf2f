package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/scheduler"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// selections resolves plans' selections as the scheduler does.
func (s *Service) selections() scheduler.Selections {
	return scheduler.Selections{Store: s.store, Connectors: s.connectors, Log: s.log}
}

// ListPlanResources resolves a plan's selections against the protected-resource registry, as a
// rule firing now would: which resources the plan covers, or, with SelectionId, which that one
// selection covers (ResourceNotFoundException if the plan has no such selection). (AWS Backup has
// no such operation; the extension API serves it, to check a selection before the schedule fires.)
func (s *Service) ListPlanResources(ctx context.Context, in *wire.ListPlanResourcesInput) (*wire.ListPlanResourcesOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListPlanResourcesOutput{ResourceArns: []string{}}
	var p records.Plan
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err = findLivePlan(tx, c, in.BackupPlanId)
		return err
	})
	if err != nil {
		return nil, internal("list plan resources", err)
	}
	own := scheduler.NewOwnTags()
	if err := s.selections().FetchOwnTags(ctx, own, p); err != nil {
		return nil, internal("list plan resources", err)
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		if in.SelectionId != "" {
			if _, found, err := records.GetDoc[records.Selection](tx, records.CollSelections, records.SelectionKey(p.Key(), in.SelectionId)); err != nil {
				return err
			} else if !found {
				return apierr.NotFound("backup plan %s has no selection %s: ListBackupSelections lists its selections", p.ID, in.SelectionId)
			}
		}
		matched, err := scheduler.ResolveSelection(tx, p, in.SelectionId, own)
		for _, m := range matched {
			out.ResourceArns = append(out.ResourceArns, m.Resource.ARN)
		}
		return err
	})
	if err != nil {
		return nil, internal("list plan resources", err)
	}
	return out, nil
}
