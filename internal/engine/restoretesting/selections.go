package restoretesting

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/rules"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// MaxValidationWindowHours: ValidationWindowHours "Accepted values are integers from 0 to 168
// (the number of hours in seven days)" (API_RestoreTestingSelectionForCreate.html). Left out,
// it is 0: the restored resource is deleted as soon as it is validated, or at once.
const MaxValidationWindowHours = 168

// The engine's own RestoreMetadataOverrides keys, which ask for built-in validation. AWS passes
// every override to the restore as restore metadata; these are taken out first, so they never
// reach a connector. The prefix keeps them apart from AWS's keys.
const (
	// OverrideValidation set to "builtin" makes the engine validate the restored resource: EFS,
	// every file's content against the recovery point's manifest; S3, the object count, sizes
	// and ETags; RDS, OverrideValidationQuery.
	OverrideValidation = "engine:validation"
	// OverrideValidationQuery is the SQL an RDS validation runs on the restored database, e.g.
	// "SELECT count(*) FROM orders". Required for RDS built-in validation.
	OverrideValidationQuery = "engine:validation-query"
	// OverrideValidationMinRowCount is the least count the query must answer: the integer in its
	// first row's first column when it answers one row of one integer column, else the number of
	// rows it answers.
	OverrideValidationMinRowCount = "engine:validation-min-row-count"

	validationBuiltIn = "builtin"
)

// splitOverrides takes the engine's validation keys out of a selection's overrides: the rest is
// restore metadata. It refuses a validation the resource type cannot run.
func splitOverrides(resourceType string, overrides map[string]string) (map[string]string, *records.BuiltInValidation, error) {
	meta := map[string]string{}
	for k, v := range overrides {
		if !strings.HasPrefix(k, "engine:") {
			meta[k] = v
		}
	}
	for k := range overrides {
		if strings.HasPrefix(k, "engine:") && k != OverrideValidation && k != OverrideValidationQuery && k != OverrideValidationMinRowCount {
			return nil, nil, apierr.InvalidParameter("RestoreMetadataOverrides key %q is not one of the engine's: %s, %s, %s",
				k, OverrideValidation, OverrideValidationQuery, OverrideValidationMinRowCount)
		}
	}
	mode, asked := overrides[OverrideValidation]
	if !asked {
		if _, q := overrides[OverrideValidationQuery]; q {
			return nil, nil, apierr.InvalidParameter("RestoreMetadataOverrides %s is set but %s is not: add %s=%s", OverrideValidationQuery, OverrideValidation, OverrideValidation, validationBuiltIn)
		}
		return meta, nil, nil
	}
	if mode != validationBuiltIn {
		return nil, nil, apierr.InvalidParameter("RestoreMetadataOverrides %s is %q: the only value is %q (leave it out to validate externally with PutRestoreValidationResult)", OverrideValidation, mode, validationBuiltIn)
	}
	v := &records.BuiltInValidation{Query: overrides[OverrideValidationQuery]}
	if resourceType == "RDS" && strings.TrimSpace(v.Query) == "" {
		return nil, nil, apierr.Missing("RestoreMetadataOverrides %s is required for built-in validation of RDS: a query such as \"SELECT count(*) FROM orders\"", OverrideValidationQuery)
	}
	if resourceType != "RDS" && v.Query != "" {
		return nil, nil, apierr.InvalidParameter("RestoreMetadataOverrides %s applies to RDS only; %s is validated against its recovery point", OverrideValidationQuery, resourceType)
	}
	if raw, ok := overrides[OverrideValidationMinRowCount]; ok {
		if resourceType != "RDS" {
			return nil, nil, apierr.InvalidParameter("RestoreMetadataOverrides %s applies to RDS only", OverrideValidationMinRowCount)
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return nil, nil, apierr.InvalidParameter("RestoreMetadataOverrides %s %q must be a whole number, 0 or more", OverrideValidationMinRowCount, raw)
		}
		v.MinRowCount = &n
	}
	return meta, v, nil
}

// checkSelectionResources applies "ProtectedResourceArns: [...] or by a wildcard:
// ProtectedResourceArns: ["*"], but not both" (API_RestoreTestingSelectionForCreate.html);
// conditions filter the wildcard's resources by tag, so they go with "*" only.
func checkSelectionResources(arns []string, cond *wire.ProtectedResourceConditions) error {
	if cond != nil && len(cond.StringEquals)+len(cond.StringNotEquals) == 0 {
		// Empty conditions are none: AWS answers {"StringEquals": [], "StringNotEquals": []} for a
		// selection without any, and an update clears them by sending that.
		cond = nil
	}
	if len(arns) == 0 && cond == nil {
		return apierr.Missing(`RestoreTestingSelection.ProtectedResourceArns is required: ["*"] for every protected resource of the type (narrowed by ProtectedResourceConditions), or their ARNs`)
	}
	wildcard := slices.Contains(arns, "*")
	if wildcard && len(arns) > 1 {
		return apierr.InvalidParameter(`RestoreTestingSelection.ProtectedResourceArns: give ["*"] or specific ARNs, not both`)
	}
	if cond != nil && len(arns) > 0 && !wildcard {
		return apierr.InvalidParameter(`RestoreTestingSelection.ProtectedResourceConditions filter the ["*"] wildcard: with specific ProtectedResourceArns, leave them out`)
	}
	for _, a := range arns {
		if a != "*" && !strings.HasPrefix(a, "arn:") {
			return apierr.InvalidParameter(`RestoreTestingSelection.ProtectedResourceArns: %q is not an ARN or "*"`, a)
		}
	}
	return nil
}

func checkValidationWindow(h *int32) (int32, error) {
	if h == nil {
		return 0, nil
	}
	if *h < 0 || *h > MaxValidationWindowHours {
		return 0, apierr.InvalidParameter("RestoreTestingSelection.ValidationWindowHours %d is outside 0 to %d (seven days)", *h, MaxValidationWindowHours)
	}
	return *h, nil
}

func checkIAMRole(arn string) error {
	if arn == "" {
		return apierr.Missing("RestoreTestingSelection.IamRoleArn is required, e.g. arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole")
	}
	if !rules.IAMRolePattern().MatchString(arn) {
		return apierr.InvalidParameter("RestoreTestingSelection.IamRoleArn %q is not an IAM role ARN: expected arn:aws:iam::ACCOUNT:role/NAME", arn)
	}
	return nil
}

// CreateSelection is CreateRestoreTestingSelection.
func (s *Service) CreateSelection(ctx context.Context, sc Scope, in *wire.CreateRestoreTestingSelectionInput) (*wire.CreateRestoreTestingSelectionOutput, error) {
	c := in.RestoreTestingSelection
	if c == nil {
		return nil, apierr.Missing("RestoreTestingSelection is required")
	}
	if err := checkName("RestoreTestingSelection.RestoreTestingSelectionName", c.RestoreTestingSelectionName); err != nil {
		return nil, err
	}
	if err := checkIAMRole(c.IamRoleArn); err != nil {
		return nil, err
	}
	if c.ProtectedResourceType == "" {
		return nil, apierr.Missing("RestoreTestingSelection.ProtectedResourceType is required: one of %s", strings.Join(s.connectors.Types(), ", "))
	}
	if _, err := s.connectors.Connector(c.ProtectedResourceType); err != nil {
		return nil, err
	}
	if err := checkSelectionResources(c.ProtectedResourceArns, c.ProtectedResourceConditions); err != nil {
		return nil, err
	}
	if _, _, err := splitOverrides(c.ProtectedResourceType, c.RestoreMetadataOverrides); err != nil {
		return nil, err
	}
	window, err := checkValidationWindow(c.ValidationWindowHours)
	if err != nil {
		return nil, err
	}
	var p records.RestoreTestingPlan
	sel := records.RestoreTestingSelection{Name: c.RestoreTestingSelectionName, CreatorRequestID: in.CreatorRequestId, IamRoleARN: c.IamRoleArn,
		ProtectedResourceType: c.ProtectedResourceType, ProtectedResourceArns: slices.Clone(c.ProtectedResourceArns),
		ProtectedResourceConditions: c.ProtectedResourceConditions, RestoreMetadataOverrides: maps.Clone(c.RestoreMetadataOverrides),
		ValidationWindowHours: window, CreationTime: s.clock.Now()}
	err = s.update(ctx, func(tx store.Tx) error {
		var err error
		if p, err = findPlan(tx, sc, in.RestoreTestingPlanName); err != nil {
			return err
		}
		sel.PlanKey, sel.PlanName = p.Key(), p.Name
		existing, found, err := records.GetDoc[records.RestoreTestingSelection](tx, records.CollRestoreTestingSelections, sel.Key())
		if err != nil {
			return err
		}
		if found {
			if in.CreatorRequestId != "" && existing.CreatorRequestID == in.CreatorRequestId {
				sel = existing
				return nil
			}
			e := apierr.New(apierr.AlreadyExists, "restore testing selection %s already exists in plan %s: choose another RestoreTestingSelectionName, or update it", sel.Name, p.Name)
			e.Arn, e.CreatorRequestId = p.ARN, existing.CreatorRequestID
			return e
		}
		return records.InsertDoc(tx, records.CollRestoreTestingSelections, sel.Key(), sel)
	})
	if err != nil {
		return nil, internal("create restore testing selection", err)
	}
	return &wire.CreateRestoreTestingSelectionOutput{CreationTime: wire.NewTimestamp(sel.CreationTime), RestoreTestingPlanArn: p.ARN,
		RestoreTestingPlanName: p.Name, RestoreTestingSelectionName: sel.Name}, nil
}

func findSelection(tx store.Tx, sc Scope, planName, name string) (records.RestoreTestingPlan, records.RestoreTestingSelection, error) {
	p, err := findPlan(tx, sc, planName)
	if err != nil {
		return p, records.RestoreTestingSelection{}, err
	}
	if err := checkName("RestoreTestingSelectionName", name); err != nil {
		return p, records.RestoreTestingSelection{}, err
	}
	sel, found, err := records.GetDoc[records.RestoreTestingSelection](tx, records.CollRestoreTestingSelections, p.Key()+"/"+name)
	if err != nil {
		return p, sel, err
	}
	if !found {
		return p, sel, apierr.NotFound("restore testing selection %s does not exist in plan %s", name, p.Name)
	}
	return p, sel, nil
}

// GetSelection is GetRestoreTestingSelection.
func (s *Service) GetSelection(ctx context.Context, sc Scope, in *wire.RestoreTestingSelectionNameInput) (*wire.GetRestoreTestingSelectionOutput, error) {
	var sel records.RestoreTestingSelection
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		_, sel, err = findSelection(tx, sc, in.RestoreTestingPlanName, in.RestoreTestingSelectionName)
		return err
	})
	if err != nil {
		return nil, internal("get restore testing selection", err)
	}
	return &wire.GetRestoreTestingSelectionOutput{RestoreTestingSelection: &wire.RestoreTestingSelectionForGet{
		CreationTime: wire.NewTimestamp(sel.CreationTime), CreatorRequestId: sel.CreatorRequestID, IamRoleArn: sel.IamRoleARN,
		ProtectedResourceArns: sel.ProtectedResourceArns, ProtectedResourceConditions: sel.ProtectedResourceConditions,
		ProtectedResourceType: sel.ProtectedResourceType, RestoreMetadataOverrides: sel.RestoreMetadataOverrides,
		RestoreTestingPlanName: sel.PlanName, RestoreTestingSelectionName: sel.Name, ValidationWindowHours: sel.ValidationWindowHours,
	}}, nil
}

// UpdateSelection is UpdateRestoreTestingSelection: members the request leaves out keep their
// value; ProtectedResourceType cannot change.
func (s *Service) UpdateSelection(ctx context.Context, sc Scope, in *wire.UpdateRestoreTestingSelectionInput) (*wire.UpdateRestoreTestingSelectionOutput, error) {
	u := in.RestoreTestingSelection
	if u == nil {
		return nil, apierr.Missing("RestoreTestingSelection is required")
	}
	var p records.RestoreTestingPlan
	var sel records.RestoreTestingSelection
	err := s.update(ctx, func(tx store.Tx) error {
		var err error
		if p, sel, err = findSelection(tx, sc, in.RestoreTestingPlanName, in.RestoreTestingSelectionName); err != nil {
			return err
		}
		if u.IamRoleArn != "" {
			if err := checkIAMRole(u.IamRoleArn); err != nil {
				return err
			}
			sel.IamRoleARN = u.IamRoleArn
		}
		if u.ProtectedResourceArns != nil {
			sel.ProtectedResourceArns = slices.Clone(u.ProtectedResourceArns)
		}
		if u.ProtectedResourceConditions != nil {
			sel.ProtectedResourceConditions = u.ProtectedResourceConditions
		}
		if err := checkSelectionResources(sel.ProtectedResourceArns, sel.ProtectedResourceConditions); err != nil {
			return err
		}
		if u.RestoreMetadataOverrides != nil {
			if _, _, err := splitOverrides(sel.ProtectedResourceType, u.RestoreMetadataOverrides); err != nil {
				return err
			}
			sel.RestoreMetadataOverrides = maps.Clone(u.RestoreMetadataOverrides)
		}
		if u.ValidationWindowHours != nil {
			if sel.ValidationWindowHours, err = checkValidationWindow(u.ValidationWindowHours); err != nil {
				return err
			}
		}
		sel.LastUpdateTime = s.clock.Now()
		return records.PutDoc(tx, records.CollRestoreTestingSelections, sel.Key(), sel)
	})
	if err != nil {
		return nil, internal("update restore testing selection", err)
	}
	return &wire.UpdateRestoreTestingSelectionOutput{CreationTime: wire.NewTimestamp(sel.CreationTime), RestoreTestingPlanArn: p.ARN,
		RestoreTestingPlanName: p.Name, RestoreTestingSelectionName: sel.Name, UpdateTime: wire.NewTimestamp(sel.LastUpdateTime)}, nil
}

// DeleteSelection is DeleteRestoreTestingSelection.
func (s *Service) DeleteSelection(ctx context.Context, sc Scope, in *wire.RestoreTestingSelectionNameInput) (*struct{}, error) {
	err := s.update(ctx, func(tx store.Tx) error {
		_, sel, err := findSelection(tx, sc, in.RestoreTestingPlanName, in.RestoreTestingSelectionName)
		if err != nil {
			return err
		}
		return tx.Delete(records.CollRestoreTestingSelections, sel.Key())
	})
	if err != nil {
		return nil, internal("delete restore testing selection", err)
	}
	return &struct{}{}, nil
}

// ListSelections is ListRestoreTestingSelections, in creation order.
func (s *Service) ListSelections(ctx context.Context, sc Scope, in *wire.ListRestoreTestingSelectionsInput) (*wire.ListRestoreTestingSelectionsOutput, error) {
	out := &wire.ListRestoreTestingSelectionsOutput{RestoreTestingSelections: []*wire.RestoreTestingSelectionForList{}}
	err := s.store.View(ctx, func(tx store.Tx) error {
		p, err := findPlan(tx, sc, in.RestoreTestingPlanName)
		if err != nil {
			return err
		}
		list, next, err := records.Page(tx, records.CollRestoreTestingSelections, p.Key()+"/", in.NextToken, in.MaxResults, func(*records.RestoreTestingSelection) bool { return true })
		if err != nil {
			return err
		}
		for _, sel := range list {
			out.RestoreTestingSelections = append(out.RestoreTestingSelections, &wire.RestoreTestingSelectionForList{
				CreationTime: wire.NewTimestamp(sel.CreationTime), IamRoleArn: sel.IamRoleARN, ProtectedResourceType: sel.ProtectedResourceType,
				RestoreTestingPlanName: sel.PlanName, RestoreTestingSelectionName: sel.Name, ValidationWindowHours: sel.ValidationWindowHours,
			})
		}
		out.NextToken = next
		return nil
	})
	if err != nil {
		return nil, internal("list restore testing selections", err)
	}
	return out, nil
}
