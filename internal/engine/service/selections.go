package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	modelnames "github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/selection"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Condition is the wire Condition of ListOfTags.
type Condition struct {
	ConditionKey   string `json:"ConditionKey"`
	ConditionType  string `json:"ConditionType"`
	ConditionValue string `json:"ConditionValue"`
}

// ConditionParameter is one key and value of a Conditions operator.
type ConditionParameter struct {
	ConditionKey   string `json:"ConditionKey,omitempty"`
	ConditionValue string `json:"ConditionValue,omitempty"`
}

// Conditions is the wire Conditions of a selection.
type Conditions struct {
	StringEquals    []ConditionParameter `json:"StringEquals,omitempty"`
	StringLike      []ConditionParameter `json:"StringLike,omitempty"`
	StringNotEquals []ConditionParameter `json:"StringNotEquals,omitempty"`
	StringNotLike   []ConditionParameter `json:"StringNotLike,omitempty"`
}

// BackupSelection is the wire BackupSelection: which resources a plan backs up, and the role it
// uses. It is stored exactly as given, so reads return what was written.
type BackupSelection struct {
	SelectionName string      `json:"SelectionName"`
	IamRoleArn    string      `json:"IamRoleArn"`
	Resources     []string    `json:"Resources,omitempty"`
	NotResources  []string    `json:"NotResources,omitempty"`
	ListOfTags    []Condition `json:"ListOfTags,omitempty"`
	Conditions    *Conditions `json:"Conditions,omitempty"`
}

// Spec returns the selection's matching criteria for package selection.
func (b *BackupSelection) Spec() selection.Spec {
	spec := selection.Spec{Resources: b.Resources, NotResources: b.NotResources}
	for _, t := range b.ListOfTags {
		spec.ListOfTags = append(spec.ListOfTags, selection.Tag{Key: t.ConditionKey, Value: t.ConditionValue})
	}
	if b.Conditions != nil {
		conv := func(ps []ConditionParameter) []selection.Tag {
			var out []selection.Tag
			for _, p := range ps {
				out = append(out, selection.Tag{Key: p.ConditionKey, Value: p.ConditionValue})
			}
			return out
		}
		spec.Conditions = selection.Conditions{StringEquals: conv(b.Conditions.StringEquals), StringLike: conv(b.Conditions.StringLike),
			StringNotEquals: conv(b.Conditions.StringNotEquals), StringNotLike: conv(b.Conditions.StringNotLike)}
	}
	return spec
}

// validateSelection applies AWS's rules to a selection; messages name the member.
func validateSelection(b *BackupSelection) error {
	if !displayNamePattern.MatchString(b.SelectionName) {
		return apierr.InvalidParameter("BackupSelection.SelectionName %q must be "+modelnames.DisplayRule, b.SelectionName)
	}
	if !iamRolePattern.MatchString(b.IamRoleArn) {
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

// selectionRecord is a selection as stored.
type selectionRecord struct {
	ID               string          `json:"id"`
	PlanID           string          `json:"plan_id"`
	CreatorRequestID string          `json:"creator_request_id,omitempty"`
	CreationDate     time.Time       `json:"creation_date"`
	Selection        BackupSelection `json:"selection"`
}

// CreateBackupSelectionInput is the wire input of CreateBackupSelection.
type CreateBackupSelectionInput struct {
	BackupPlanId     string          `json:"BackupPlanId"`
	BackupSelection  BackupSelection `json:"BackupSelection"`
	CreatorRequestId string          `json:"CreatorRequestId,omitempty"`
}

// CreateBackupSelectionOutput is the wire output of CreateBackupSelection.
type CreateBackupSelectionOutput struct {
	BackupPlanId string     `json:"BackupPlanId"`
	CreationDate *Timestamp `json:"CreationDate"`
	SelectionId  string     `json:"SelectionId"`
}

// CreateBackupSelection assigns resources to a plan. Selection names are unique within a plan; a
// retry with the CreatorRequestId of an existing selection returns it.
func (s *Service) CreateBackupSelection(ctx context.Context, in *CreateBackupSelectionInput) (*CreateBackupSelectionOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateSelection(&in.BackupSelection); err != nil {
		return nil, err
	}
	var out *CreateBackupSelectionOutput
	err = s.store.Update(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		existing, err := planSelections(tx, p)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if in.CreatorRequestId != "" && e.CreatorRequestID == in.CreatorRequestId {
				out = &CreateBackupSelectionOutput{BackupPlanId: p.ID, CreationDate: NewTimestamp(e.CreationDate), SelectionId: e.ID}
				return nil
			}
		}
		for _, e := range existing {
			if e.Selection.SelectionName == in.BackupSelection.SelectionName {
				return &apierr.Error{Code: apierr.AlreadyExists, CreatorRequestId: e.CreatorRequestID,
					Message: "Backup plan " + p.ID + " already has a selection named " + e.Selection.SelectionName + " (" + e.ID + "): choose another name, or import the existing selection"}
			}
		}
		rec := selectionRecord{ID: uuid.NewString(), PlanID: p.ID, CreatorRequestID: in.CreatorRequestId, CreationDate: s.clock.Now(), Selection: in.BackupSelection}
		if err := records.InsertDoc(tx, records.CollSelections, p.key()+"/"+rec.ID, rec); err != nil {
			return err
		}
		out = &CreateBackupSelectionOutput{BackupPlanId: p.ID, CreationDate: NewTimestamp(rec.CreationDate), SelectionId: rec.ID}
		return nil
	})
	if err != nil {
		return nil, internal("create backup selection", err)
	}
	s.sched.Wake() // the rules the scheduler waits for changed
	return out, nil
}

func planSelections(tx store.Tx, p planRecord) ([]selectionRecord, error) {
	docs, err := tx.Scan(records.CollSelections, p.key()+"/", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]selectionRecord, 0, len(docs))
	for _, d := range docs {
		var r selectionRecord
		if err := json.Unmarshal(d.Value, &r); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", records.CollSelections, d.Key, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func findSelection(tx store.Tx, c Caller, planID, id string) (selectionRecord, error) {
	rec, found, err := records.GetDoc[selectionRecord](tx, records.CollSelections, records.PlanKey(c.AccountID, c.Region, planID)+"/"+id)
	if err != nil {
		return rec, err
	}
	if !found {
		return rec, apierr.NotFound("Backup selection %s does not exist in backup plan %s", id, planID)
	}
	return rec, nil
}

// GetBackupSelectionInput is the wire input of GetBackupSelection.
type GetBackupSelectionInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	SelectionId  string `json:"SelectionId"`
}

// GetBackupSelectionOutput is the wire output of GetBackupSelection.
type GetBackupSelectionOutput struct {
	BackupPlanId     string          `json:"BackupPlanId"`
	BackupSelection  BackupSelection `json:"BackupSelection"`
	CreationDate     *Timestamp      `json:"CreationDate,omitempty"`
	CreatorRequestId string          `json:"CreatorRequestId,omitempty"`
	SelectionId      string          `json:"SelectionId"`
}

// GetBackupSelection returns a selection as it was written.
func (s *Service) GetBackupSelection(ctx context.Context, in *GetBackupSelectionInput) (*GetBackupSelectionOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *GetBackupSelectionOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		rec, err := findSelection(tx, c, in.BackupPlanId, in.SelectionId)
		if err != nil {
			return err
		}
		out = &GetBackupSelectionOutput{BackupPlanId: rec.PlanID, BackupSelection: rec.Selection, CreationDate: NewTimestamp(rec.CreationDate),
			CreatorRequestId: rec.CreatorRequestID, SelectionId: rec.ID}
		return nil
	})
	if err != nil {
		return nil, internal("get backup selection", err)
	}
	return out, nil
}

// DeleteBackupSelectionInput is the wire input of DeleteBackupSelection.
type DeleteBackupSelectionInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	SelectionId  string `json:"SelectionId"`
}

// DeleteBackupSelection removes a selection from its plan.
func (s *Service) DeleteBackupSelection(ctx context.Context, in *DeleteBackupSelectionInput) (*struct{}, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := findSelection(tx, c, in.BackupPlanId, in.SelectionId); err != nil {
			return err
		}
		return tx.Delete(records.CollSelections, records.PlanKey(c.AccountID, c.Region, in.BackupPlanId)+"/"+in.SelectionId)
	})
	if err != nil {
		return nil, internal("delete backup selection", err)
	}
	return &struct{}{}, nil
}

// ListBackupSelectionsInput is the wire input of ListBackupSelections.
type ListBackupSelectionsInput struct {
	BackupPlanId string `json:"BackupPlanId"`
	MaxResults   *int32 `json:"MaxResults,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
}

// BackupSelectionsListMember is one selection in ListBackupSelections.
type BackupSelectionsListMember struct {
	BackupPlanId     string     `json:"BackupPlanId"`
	CreationDate     *Timestamp `json:"CreationDate,omitempty"`
	CreatorRequestId string     `json:"CreatorRequestId,omitempty"`
	IamRoleArn       string     `json:"IamRoleArn"`
	SelectionId      string     `json:"SelectionId"`
	SelectionName    string     `json:"SelectionName"`
}

// ListBackupSelectionsOutput is the wire output of ListBackupSelections.
type ListBackupSelectionsOutput struct {
	BackupSelectionsList []*BackupSelectionsListMember `json:"BackupSelectionsList"`
	NextToken            string                        `json:"NextToken,omitempty"`
}

// ListBackupSelections lists a plan's selections.
func (s *Service) ListBackupSelections(ctx context.Context, in *ListBackupSelectionsInput) (*ListBackupSelectionsOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	out := &ListBackupSelectionsOutput{BackupSelectionsList: []*BackupSelectionsListMember{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findPlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		recs, next, err := records.Page[selectionRecord](tx, records.CollSelections, p.key()+"/", in.NextToken, in.MaxResults, nil)
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, r := range recs {
			out.BackupSelectionsList = append(out.BackupSelectionsList, &BackupSelectionsListMember{BackupPlanId: r.PlanID, CreationDate: NewTimestamp(r.CreationDate),
				CreatorRequestId: r.CreatorRequestID, IamRoleArn: r.Selection.IamRoleArn, SelectionId: r.ID, SelectionName: r.Selection.SelectionName})
		}
		return nil
	})
	if err != nil {
		return nil, internal("list backup selections", err)
	}
	return out, nil
}
