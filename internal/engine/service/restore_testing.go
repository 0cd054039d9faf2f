package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"

	"github.com/strongroom/terraform-provider-backup/internal/engine/restoretesting"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// The restore testing operations. Their domain is package restoretesting; these hold each call
// to the caller's account and region, as every operation here is.

// forCaller runs a restore testing operation for the caller in ctx.
func forCaller[In, Out any](ctx context.Context, f func(context.Context, restoretesting.Scope, *In) (*Out, error), in *In) (*Out, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	return f(ctx, restoretesting.Scope{AccountID: c.AccountID, Region: c.Region}, in)
}

// CreateRestoreTestingPlan creates a restore testing plan.
func (s *Service) CreateRestoreTestingPlan(ctx context.Context, in *wire.CreateRestoreTestingPlanInput) (*wire.CreateRestoreTestingPlanOutput, error) {
	return forCaller(ctx, s.restoreTests.CreatePlan, in)
}

// GetRestoreTestingPlan returns a restore testing plan.
func (s *Service) GetRestoreTestingPlan(ctx context.Context, in *wire.RestoreTestingPlanNameInput) (*wire.GetRestoreTestingPlanOutput, error) {
	return forCaller(ctx, s.restoreTests.GetPlan, in)
}

// UpdateRestoreTestingPlan changes a restore testing plan.
func (s *Service) UpdateRestoreTestingPlan(ctx context.Context, in *wire.UpdateRestoreTestingPlanInput) (*wire.UpdateRestoreTestingPlanOutput, error) {
	return forCaller(ctx, s.restoreTests.UpdatePlan, in)
}

// DeleteRestoreTestingPlan deletes a restore testing plan without selections.
func (s *Service) DeleteRestoreTestingPlan(ctx context.Context, in *wire.RestoreTestingPlanNameInput) (*struct{}, error) {
	return forCaller(ctx, s.restoreTests.DeletePlan, in)
}

// ListRestoreTestingPlans lists the caller's restore testing plans.
func (s *Service) ListRestoreTestingPlans(ctx context.Context, in *wire.ListRestoreTestingPlansInput) (*wire.ListRestoreTestingPlansOutput, error) {
	return forCaller(ctx, s.restoreTests.ListPlans, in)
}

// CreateRestoreTestingSelection adds a selection to a restore testing plan.
func (s *Service) CreateRestoreTestingSelection(ctx context.Context, in *wire.CreateRestoreTestingSelectionInput) (*wire.CreateRestoreTestingSelectionOutput, error) {
	return forCaller(ctx, s.restoreTests.CreateSelection, in)
}

// GetRestoreTestingSelection returns a restore testing selection.
func (s *Service) GetRestoreTestingSelection(ctx context.Context, in *wire.RestoreTestingSelectionNameInput) (*wire.GetRestoreTestingSelectionOutput, error) {
	return forCaller(ctx, s.restoreTests.GetSelection, in)
}

// UpdateRestoreTestingSelection changes a restore testing selection.
func (s *Service) UpdateRestoreTestingSelection(ctx context.Context, in *wire.UpdateRestoreTestingSelectionInput) (*wire.UpdateRestoreTestingSelectionOutput, error) {
	return forCaller(ctx, s.restoreTests.UpdateSelection, in)
}

// DeleteRestoreTestingSelection deletes a restore testing selection.
func (s *Service) DeleteRestoreTestingSelection(ctx context.Context, in *wire.RestoreTestingSelectionNameInput) (*struct{}, error) {
	return forCaller(ctx, s.restoreTests.DeleteSelection, in)
}

// ListRestoreTestingSelections lists a restore testing plan's selections.
func (s *Service) ListRestoreTestingSelections(ctx context.Context, in *wire.ListRestoreTestingSelectionsInput) (*wire.ListRestoreTestingSelectionsOutput, error) {
	return forCaller(ctx, s.restoreTests.ListSelections, in)
}

// GetRestoreTestingInferredMetadata returns the metadata a restore test of a point restores with.
func (s *Service) GetRestoreTestingInferredMetadata(ctx context.Context, in *wire.GetRestoreTestingInferredMetadataInput) (*wire.GetRestoreTestingInferredMetadataOutput, error) {
	return forCaller(ctx, s.restoreTests.InferredMetadata, in)
}

// PutRestoreValidationResult records an external validator's result for a restore test.
func (s *Service) PutRestoreValidationResult(ctx context.Context, in *wire.PutRestoreValidationResultInput) (*struct{}, error) {
	return forCaller(ctx, s.restoreTests.PutValidationResult, in)
}

func (s *Service) restoreTestingPlanExistsByARN(tx store.Tx, a arns.ARN) error {
	return restoretesting.PlanExists(tx, a.AccountID, a.Region, a.String())
}
