package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	plan, err := parsePlanDocument(in.BackupPlanTemplateJson)
	if err != nil {
		return nil, err
	}
	if err := validatePlan(plan, ""); err != nil {
		return nil, err
	}
	return &wire.GetBackupPlanFromJSONOutput{BackupPlan: normalizePlan(plan, nil, nil)}, nil
}

func parsePlanDocument(doc string) (*wire.BackupPlanInput, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, apierr.InvalidReq("BackupPlanTemplateJson is empty: pass a backup plan document such as {\"BackupPlanName\": \"daily\", \"Rules\": [...]}")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, jsonError(doc, err)
	}
	body := []byte(doc)
	if inner, ok := top["BackupPlan"]; ok && len(top) == 1 {
		body = inner
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var plan wire.BackupPlanInput
	if err := dec.Decode(&plan); err != nil {
		return nil, jsonError(string(body), err)
	}
	return &plan, nil
}

// jsonError turns a decoding error into an InvalidRequestException that says where and what.
func jsonError(doc string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(doc, syn.Offset)
		msg := fmt.Sprintf("BackupPlanTemplateJson is not valid JSON at line %d, column %d: %v", line, col, syn)
		if strings.Contains(doc, "//") || strings.Contains(doc, "/*") {
			msg += ". JSON has no comments: remove the // comments (documentation examples often carry them)"
		}
		return apierr.InvalidReq("%s", msg)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the document"
		}
		return apierr.InvalidReq("BackupPlanTemplateJson: %s must be %s, not a JSON %s", field, jsonTypeName(typ.Type.Kind().String()), typ.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		if name == "Selections" {
			return apierr.InvalidReq("BackupPlanTemplateJson: \"Selections\" is not part of a backup plan: remove it, and assign resources with CreateBackupSelection after creating the plan")
		}
		return apierr.InvalidReq("BackupPlanTemplateJson: unknown member %q: a plan has BackupPlanName, Rules, AdvancedBackupSettings and ScanSettings, and each rule the members of BackupRuleInput (check the spelling)", name)
	}
	return apierr.InvalidReq("BackupPlanTemplateJson cannot be read: %v", err)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int64", "int32", "int":
		return "a whole number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return kind
}

func position(doc string, offset int64) (line, col int) {
	line, col = 1, 1
	for i, r := range doc {
		if int64(i) >= offset-1 {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
