package service

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	modelnames "github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/selection"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// validateSelection applies AWS's rules to a selection; messages name the member.
func validateSelection(b *wire.BackupSelection) error {
	if !displayNamePattern.MatchString(b.SelectionName) {
		return apierr.InvalidParameter("BackupSelection.SelectionName %q must be "+modelnames.DisplayRule, b.SelectionName)
	}
	if !rules.IAMRolePattern().MatchString(b.IamRoleArn) {
		return apierr.InvalidParameter("BackupSelection.IamRoleArn %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT_ID:role/NAME with a 12-digit account ID", b.IamRoleArn)
	}
	if _, err := selection.Compile(b.Spec()); err != nil {
		var fe *selection.FieldError
		if errors.As(err, &fe) {
			if fe.Limit {
				return apierr.New(apierr.LimitExceeded, "BackupSelection.%s", fe.Error())
			}
			return apierr.InvalidParameter("BackupSelection.%s", fe.Error())
		}
		return err
	}
	return nil
}

// CreateBackupSelection assigns resources to a plan. Selection names are unique within a plan; a
// retry with the CreatorRequestId of an existing selection returns it.
func (s *Service) CreateBackupSelection(ctx context.Context, in *wire.CreateBackupSelectionInput) (*wire.CreateBackupSelectionOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateSelection(&in.BackupSelection); err != nil {
		return nil, err
	}
	var out *wire.CreateBackupSelectionOutput
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		existing, err := records.PlanSelections(tx, p)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if in.CreatorRequestId != "" && e.CreatorRequestID == in.CreatorRequestId {
				out = &wire.CreateBackupSelectionOutput{BackupPlanId: p.ID, CreationDate: wire.NewTimestamp(e.CreationDate), SelectionId: e.ID}
				return nil
			}
		}
		for _, e := range existing {
			if e.Selection.SelectionName == in.BackupSelection.SelectionName {
				return &apierr.Error{Code: apierr.AlreadyExists, CreatorRequestId: e.CreatorRequestID,
					Message: "Backup plan " + p.ID + " already has a selection named " + e.Selection.SelectionName + " (" + e.ID + "): choose another name, or import the existing selection"}
			}
		}
		rec := records.Selection{ID: uuid.NewString(), PlanID: p.ID, CreatorRequestID: in.CreatorRequestId, CreationDate: s.clock.Now(), Selection: in.BackupSelection}
		if err := records.InsertDoc(tx, records.CollSelections, records.SelectionKey(p.Key(), rec.ID), rec); err != nil {
			return err
		}
		out = &wire.CreateBackupSelectionOutput{BackupPlanId: p.ID, CreationDate: wire.NewTimestamp(rec.CreationDate), SelectionId: rec.ID}
		return nil
	})
	if err != nil {
		return nil, internal("create backup selection", err)
	}
	s.sched.Wake() // the rules the scheduler waits for changed
	return out, nil
}

func findSelection(tx store.Tx, c Caller, planID, id string) (records.Selection, error) {
	rec, found, err := records.GetDoc[records.Selection](tx, records.CollSelections, records.SelectionKey(records.PlanKey(c.AccountID, c.Region, planID), id))
	if err != nil {
		return rec, err
	}
	if !found {
		return rec, apierr.NotFound("Backup selection %s does not exist in backup plan %s", id, planID)
	}
	return rec, nil
}

// GetBackupSelection returns a selection as it was written.
func (s *Service) GetBackupSelection(ctx context.Context, in *wire.GetBackupSelectionInput) (*wire.GetBackupSelectionOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.GetBackupSelectionOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		rec, err := findSelection(tx, c, in.BackupPlanId, in.SelectionId)
		if err != nil {
			return err
		}
		out = &wire.GetBackupSelectionOutput{BackupPlanId: rec.PlanID, BackupSelection: rec.Selection, CreationDate: wire.NewTimestamp(rec.CreationDate),
			CreatorRequestId: rec.CreatorRequestID, SelectionId: rec.ID}
		return nil
	})
	if err != nil {
		return nil, internal("get backup selection", err)
	}
	return out, nil
}

// DeleteBackupSelection removes a selection from its plan.
func (s *Service) DeleteBackupSelection(ctx context.Context, in *wire.DeleteBackupSelectionInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := findSelection(tx, c, in.BackupPlanId, in.SelectionId); err != nil {
			return err
		}
		return tx.Delete(records.CollSelections, records.SelectionKey(records.PlanKey(c.AccountID, c.Region, in.BackupPlanId), in.SelectionId))
	})
	if err != nil {
		return nil, internal("delete backup selection", err)
	}
	return &struct{}{}, nil
}

// ListBackupSelections lists a plan's selections.
func (s *Service) ListBackupSelections(ctx context.Context, in *wire.ListBackupSelectionsInput) (*wire.ListBackupSelectionsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &wire.ListBackupSelectionsOutput{BackupSelectionsList: []*wire.BackupSelectionsListMember{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findPlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		recs, next, err := records.Page[records.Selection](tx, records.CollSelections, p.Key()+"/", in.NextToken, in.MaxResults, nil)
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, r := range recs {
			out.BackupSelectionsList = append(out.BackupSelectionsList, &wire.BackupSelectionsListMember{BackupPlanId: r.PlanID, CreationDate: wire.NewTimestamp(r.CreationDate),
				CreatorRequestId: r.CreatorRequestID, IamRoleArn: r.Selection.IamRoleArn, SelectionId: r.ID, SelectionName: r.Selection.SelectionName})
		}
		return nil
	})
	if err != nil {
		return nil, internal("list backup selections", err)
	}
	return out, nil
}
