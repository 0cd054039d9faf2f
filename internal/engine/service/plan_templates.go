package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// planTemplate is a built-in plan AWS-style consoles offer as a starting point.
type planTemplate struct {
	ID   string
	Name string
	Plan wire.BackupPlanInput
}

// planTemplates is a small, honest set: each one validates under the same rules as a plan a user
// writes (TestPlanTemplates_validate), and targets the vault named "Default", as AWS's templates do.
var planTemplates = []planTemplate{
	{
		ID:   "0f7e3b32-5a1c-4c5e-9d55-1a1d0c6a0001",
		Name: "Daily-35day-Retention",
		Plan: wire.BackupPlanInput{BackupPlanName: "Daily-35day-Retention", Rules: []wire.BackupRuleInput{{
			RuleName: "DailyBackups", TargetBackupVaultName: "Default", ScheduleExpression: "cron(0 5 ? * * *)",
			StartWindowMinutes: ptr(int64(480)), CompletionWindowMinutes: ptr(int64(10080)),
			Lifecycle: &wire.Lifecycle{DeleteAfterDays: ptr(int64(35))},
		}}},
	},
	{
		ID:   "0f7e3b32-5a1c-4c5e-9d55-1a1d0c6a0002",
		Name: "Weekly-1yr-Retention",
		Plan: wire.BackupPlanInput{BackupPlanName: "Weekly-1yr-Retention", Rules: []wire.BackupRuleInput{{
			RuleName: "WeeklyBackups", TargetBackupVaultName: "Default", ScheduleExpression: "cron(0 5 ? * SAT *)",
			StartWindowMinutes: ptr(int64(480)), CompletionWindowMinutes: ptr(int64(10080)),
			Lifecycle: &wire.Lifecycle{DeleteAfterDays: ptr(int64(365))},
		}}},
	},
	{
		ID:   "0f7e3b32-5a1c-4c5e-9d55-1a1d0c6a0003",
		Name: "Monthly-ColdStorage-7yr-Retention",
		Plan: wire.BackupPlanInput{BackupPlanName: "Monthly-ColdStorage-7yr-Retention", Rules: []wire.BackupRuleInput{{
			RuleName: "MonthlyBackups", TargetBackupVaultName: "Default", ScheduleExpression: "cron(0 5 1 * ? *)",
			StartWindowMinutes: ptr(int64(480)), CompletionWindowMinutes: ptr(int64(10080)),
			Lifecycle: &wire.Lifecycle{MoveToColdStorageAfterDays: ptr(int64(30)), DeleteAfterDays: ptr(int64(2555))},
		}}},
	},
}

// ListBackupPlanTemplates lists the built-in templates.
func (s *Service) ListBackupPlanTemplates(ctx context.Context, in *wire.ListBackupPlanTemplatesInput) (*wire.ListBackupPlanTemplatesOutput, error) {
	start := 0
	if in.NextToken != "" {
		k, err := records.DecodeToken(in.NextToken, "template/")
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(strings.TrimPrefix(k, "template/"))
		if err != nil || n < 0 || n > len(planTemplates) {
			return nil, apierr.InvalidParameter("NextToken %q is not valid for this request: pass the NextToken of the previous page unchanged", in.NextToken)
		}
		start = n
	}
	limit := len(planTemplates)
	if in.MaxResults != nil && *in.MaxResults > 0 {
		limit = int(*in.MaxResults)
	}
	end := min(start+limit, len(planTemplates))
	out := &wire.ListBackupPlanTemplatesOutput{BackupPlanTemplatesList: []*wire.BackupPlanTemplatesListMember{}}
	for _, t := range planTemplates[start:end] {
		out.BackupPlanTemplatesList = append(out.BackupPlanTemplatesList, &wire.BackupPlanTemplatesListMember{BackupPlanTemplateId: t.ID, BackupPlanTemplateName: t.Name})
	}
	if end < len(planTemplates) {
		out.NextToken = records.EncodeToken("template/" + strconv.Itoa(end))
	}
	return out, nil
}

// GetBackupPlanFromTemplate returns a template's plan, with defaults filled in, ready to pass to
// CreateBackupPlan.
func (s *Service) GetBackupPlanFromTemplate(ctx context.Context, in *wire.GetBackupPlanFromTemplateInput) (*wire.GetBackupPlanFromTemplateOutput, error) {
	for _, t := range planTemplates {
		if t.ID == in.BackupPlanTemplateId {
			return &wire.GetBackupPlanFromTemplateOutput{BackupPlanDocument: normalizePlan(&t.Plan, nil, nil)}, nil
		}
	}
	return nil, apierr.NotFound("Backup plan template %s does not exist: ListBackupPlanTemplates lists the templates", in.BackupPlanTemplateId)
}

// ExportBackupPlanTemplate returns a plan's current version as a JSON document that
// GetBackupPlanFromJSON and CreateBackupPlan accept.
func (s *Service) ExportBackupPlanTemplate(ctx context.Context, in *wire.ExportBackupPlanTemplateInput) (*wire.ExportBackupPlanTemplateOutput, error) {
	c, err := CallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out *wire.ExportBackupPlanTemplateOutput
	err = s.store.View(ctx, func(tx store.Tx) error {
		p, err := findLivePlan(tx, c, in.BackupPlanId)
		if err != nil {
			return err
		}
		v, err := records.ReadPlanVersion(tx, p, p.VersionID)
		if err != nil {
			return err
		}
		doc, err := json.MarshalIndent(v.Plan.Input(), "", "  ")
		if err != nil {
			return fmt.Errorf("encode plan %s: %w", p.ID, err)
		}
		out = &wire.ExportBackupPlanTemplateOutput{BackupPlanTemplateJson: string(doc)}
		return nil
	})
	if err != nil {
		return nil, internal("export backup plan template", err)
	}
	return out, nil
}

// GetBackupPlanFromJSON checks a plan document — strict JSON: the members of BackupPlanInput,
// optionally wrapped as {"BackupPlan": {...}} the way create-backup-plan's input file is — under
// the same rules as CreateBackupPlan, and returns the plan as the engine would store it.
// Malformed JSON and unknown members are InvalidRequestException; a plan that breaks a rule is
// InvalidParameterValueException naming the member.
func (s *Service) GetBackupPlanFromJSON(ctx context.Context, in *wire.GetBackupPlanFromJSONInput) (*wire.GetBackupPlanFromJSONOutput, error) {
	plan, err := wire.DecodeBackupPlanDocument(in.BackupPlanTemplateJson)
	if err != nil {
		return nil, err
	}
	if err := validatePlan(plan, ""); err != nil {
		return nil, err
	}
	return &wire.GetBackupPlanFromJSONOutput{BackupPlan: normalizePlan(plan, nil, nil)}, nil
}
