package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func weeklyRestoreTestPlan(name string) *types.RestoreTestingPlanForCreate {
	return &types.RestoreTestingPlanForCreate{
		RestoreTestingPlanName: aws.String(name),
		ScheduleExpression:     aws.String("cron(0 3 ? * SUN *)"),
		RecoveryPointSelection: &types.RestoreTestingRecoveryPointSelection{
			Algorithm:          types.RestoreTestingRecoveryPointSelectionAlgorithmLatestWithinWindow,
			IncludeVaults:      []string{"*"},
			RecoveryPointTypes: []types.RestoreTestingRecoveryPointType{types.RestoreTestingRecoveryPointTypeSnapshot},
		},
	}
}

func TestRestoreTestingPlansAndSelectionsThroughTheSDK(t *testing.T) {
	e := newJobEnv(t, engine.Options{})
	ctx := context.Background()
	created, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: weeklyRestoreTestPlan("weekly_test"),
		Tags: map[string]string{"team": "platform"}, CreatorRequestId: aws.String("req-1")})
	if err != nil {
		t.Fatalf("CreateRestoreTestingPlan: %v", err)
	}
	planARN := aws.ToString(created.RestoreTestingPlanArn)
	if !strings.HasPrefix(planARN, "arn:aws:backup:us-east-1:") || !strings.Contains(planARN, ":restore-testing-plan:weekly_test-") {
		t.Errorf("plan ARN %s is not shaped like AWS's", planARN)
	}
	// A retry with the same CreatorRequestId answers the same plan; another is refused.
	again, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: weeklyRestoreTestPlan("weekly_test"), CreatorRequestId: aws.String("req-1")})
	if err != nil || aws.ToString(again.RestoreTestingPlanArn) != planARN {
		t.Errorf("retried create = %v, %v; want the same plan %s", again, err, planARN)
	}
	if _, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: weeklyRestoreTestPlan("weekly_test")}); apiCode(err) != "AlreadyExistsException" {
		t.Errorf("second create = %v, want AlreadyExistsException", err)
	}
	got, err := e.c.GetRestoreTestingPlan(ctx, &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly_test")})
	if err != nil {
		t.Fatalf("GetRestoreTestingPlan: %v", err)
	}
	p := got.RestoreTestingPlan
	if p.StartWindowHours != 24 || p.RecoveryPointSelection.SelectionWindowDays != 30 || aws.ToString(p.CreatorRequestId) != "req-1" ||
		aws.ToString(p.ScheduleExpression) != "cron(0 3 ? * SUN *)" || p.LastExecutionTime != nil {
		t.Errorf("GetRestoreTestingPlan = %+v; want AWS's defaults (24 hours, 30 days) and what was created", p)
	}
	tags, err := e.c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(planARN)})
	if err != nil || tags.Tags["team"] != "platform" {
		t.Errorf("ListTags(plan) = %v, %v", tags, err)
	}

	up, err := e.c.UpdateRestoreTestingPlan(ctx, &backup.UpdateRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly_test"),
		RestoreTestingPlan: &types.RestoreTestingPlanForUpdate{StartWindowHours: 48, ScheduleExpressionTimezone: aws.String("Europe/Paris")}})
	if err != nil || up.UpdateTime == nil {
		t.Fatalf("UpdateRestoreTestingPlan = %v, %v", up, err)
	}
	got, _ = e.c.GetRestoreTestingPlan(ctx, &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly_test")})
	if p := got.RestoreTestingPlan; p.StartWindowHours != 48 || aws.ToString(p.ScheduleExpressionTimezone) != "Europe/Paris" ||
		aws.ToString(p.ScheduleExpression) != "cron(0 3 ? * SUN *)" {
		t.Errorf("after the update: %+v; want the new window and time zone, the schedule kept", p)
	}

	sel, err := e.c.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly_test"),
		RestoreTestingSelection: &types.RestoreTestingSelectionForCreate{RestoreTestingSelectionName: aws.String("dirs"), IamRoleArn: aws.String(role),
			ProtectedResourceType: aws.String("EFS"), ProtectedResourceArns: []string{"*"},
			ProtectedResourceConditions: &types.ProtectedResourceConditions{StringEquals: []types.KeyValue{{Key: aws.String("team"), Value: aws.String("platform")}}},
			RestoreMetadataOverrides:    map[string]string{"engine:validation": "builtin"}, ValidationWindowHours: aws.Int32(2)}})
	if err != nil {
		t.Fatalf("CreateRestoreTestingSelection: %v", err)
	}
	if aws.ToString(sel.RestoreTestingPlanArn) != planARN {
		t.Errorf("selection's plan ARN = %s, want %s", aws.ToString(sel.RestoreTestingPlanArn), planARN)
	}
	gs, err := e.c.GetRestoreTestingSelection(ctx, &backup.GetRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly_test"), RestoreTestingSelectionName: aws.String("dirs")})
	if err != nil {
		t.Fatalf("GetRestoreTestingSelection: %v", err)
	}
	if s := gs.RestoreTestingSelection; s.ValidationWindowHours != 2 || s.RestoreMetadataOverrides["engine:validation"] != "builtin" ||
		len(s.ProtectedResourceConditions.StringEquals) != 1 || aws.ToString(s.ProtectedResourceType) != "EFS" {
		t.Errorf("GetRestoreTestingSelection = %+v", s)
	}
	if _, err := e.c.UpdateRestoreTestingSelection(ctx, &backup.UpdateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly_test"),
		RestoreTestingSelectionName: aws.String("dirs"), RestoreTestingSelection: &types.RestoreTestingSelectionForUpdate{ValidationWindowHours: aws.Int32(5)}}); err != nil {
		t.Fatalf("UpdateRestoreTestingSelection: %v", err)
	}
	ls, err := e.c.ListRestoreTestingSelections(ctx, &backup.ListRestoreTestingSelectionsInput{RestoreTestingPlanName: aws.String("weekly_test")})
	if err != nil || len(ls.RestoreTestingSelections) != 1 || ls.RestoreTestingSelections[0].ValidationWindowHours != 5 {
		t.Fatalf("ListRestoreTestingSelections = %+v, %v; want the one selection with its new window", ls, err)
	}
	lp, err := e.c.ListRestoreTestingPlans(ctx, &backup.ListRestoreTestingPlansInput{})
	if err != nil || len(lp.RestoreTestingPlans) != 1 || aws.ToString(lp.RestoreTestingPlans[0].RestoreTestingPlanArn) != planARN {
		t.Fatalf("ListRestoreTestingPlans = %+v, %v", lp, err)
	}

	if _, err := e.c.DeleteRestoreTestingPlan(ctx, &backup.DeleteRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly_test")}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("deleting a plan with a selection = %v, want InvalidRequestException", err)
	}
	if _, err := e.c.DeleteRestoreTestingSelection(ctx, &backup.DeleteRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly_test"), RestoreTestingSelectionName: aws.String("dirs")}); err != nil {
		t.Fatalf("DeleteRestoreTestingSelection: %v", err)
	}
	if _, err := e.c.DeleteRestoreTestingPlan(ctx, &backup.DeleteRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly_test")}); err != nil {
		t.Fatalf("DeleteRestoreTestingPlan: %v", err)
	}
	if _, err := e.c.GetRestoreTestingPlan(ctx, &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly_test")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("GetRestoreTestingPlan after delete = %v, want ResourceNotFoundException", err)
	}
}

func TestRestoreTestingRefusalsNameTheFix(t *testing.T) {
	e := newJobEnv(t, engine.Options{})
	ctx := context.Background()
	plan := func(mut func(p *types.RestoreTestingPlanForCreate)) error {
		p := weeklyRestoreTestPlan("p1")
		mut(p)
		_, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: p})
		return err
	}
	for _, c := range []struct {
		name, code, text string
		mut              func(p *types.RestoreTestingPlanForCreate)
	}{
		{"hyphen in name", "InvalidParameterValueException", "letters, digits and underscores", func(p *types.RestoreTestingPlanForCreate) { p.RestoreTestingPlanName = aws.String("weekly-test") }},
		{"bad schedule", "InvalidParameterValueException", "ScheduleExpression", func(p *types.RestoreTestingPlanForCreate) { p.ScheduleExpression = aws.String("cron(nonsense)") }},
		{"window too long", "InvalidParameterValueException", "StartWindowHours 200", func(p *types.RestoreTestingPlanForCreate) { p.StartWindowHours = 200 }},
		{"no vaults", "MissingParameterValueException", "IncludeVaults", func(p *types.RestoreTestingPlanForCreate) { p.RecoveryPointSelection.IncludeVaults = nil }},
		{"bad vault", "InvalidParameterValueException", "IncludeVaults", func(p *types.RestoreTestingPlanForCreate) { p.RecoveryPointSelection.IncludeVaults = []string{"prod"} }},
		{"window days", "InvalidParameterValueException", "SelectionWindowDays 400", func(p *types.RestoreTestingPlanForCreate) {
			p.RecoveryPointSelection.SelectionWindowDays = 400
		}},
	} {
		err := plan(c.mut)
		if apiCode(err) != c.code || !strings.Contains(apiMessage(err), c.text) {
			t.Errorf("%s: %v; want %s naming %q", c.name, err, c.code, c.text)
		}
	}
	if err := plan(func(*types.RestoreTestingPlanForCreate) {}); err != nil {
		t.Fatal(err)
	}
	selection := func(s types.RestoreTestingSelectionForCreate) error {
		s.RestoreTestingSelectionName, s.IamRoleArn = aws.String("s1"), aws.String(role)
		if s.ProtectedResourceType == nil {
			s.ProtectedResourceType = aws.String("EFS")
		}
		_, err := e.c.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("p1"), RestoreTestingSelection: &s})
		return err
	}
	for _, c := range []struct {
		name, code, text string
		sel              types.RestoreTestingSelectionForCreate
	}{
		{"star and ARNs", "InvalidParameterValueException", "not both", types.RestoreTestingSelectionForCreate{ProtectedResourceArns: []string{"*", "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"}}},
		{"no resources", "MissingParameterValueException", "ProtectedResourceArns", types.RestoreTestingSelectionForCreate{}},
		{"window", "InvalidParameterValueException", "ValidationWindowHours 169", types.RestoreTestingSelectionForCreate{ProtectedResourceArns: []string{"*"}, ValidationWindowHours: aws.Int32(169)}},
		{"type", "InvalidParameterValueException", "DynamoDB", types.RestoreTestingSelectionForCreate{ProtectedResourceArns: []string{"*"}, ProtectedResourceType: aws.String("DynamoDB")}},
		{"rds without query", "MissingParameterValueException", "engine:validation-query", types.RestoreTestingSelectionForCreate{ProtectedResourceArns: []string{"*"},
			ProtectedResourceType: aws.String("RDS"), RestoreMetadataOverrides: map[string]string{"engine:validation": "builtin"}}},
		{"unknown engine key", "InvalidParameterValueException", "engine:validate", types.RestoreTestingSelectionForCreate{ProtectedResourceArns: []string{"*"},
			RestoreMetadataOverrides: map[string]string{"engine:validate": "yes"}}},
	} {
		err := selection(c.sel)
		if c.name == "rds without query" && apiCode(err) == "InvalidParameterValueException" && strings.Contains(apiMessage(err), "not supported") {
			continue // no pg_dump on this machine: RDS is not a type the engine serves
		}
		if apiCode(err) != c.code || !strings.Contains(apiMessage(err), c.text) {
			t.Errorf("%s: %v; want %s naming %q", c.name, err, c.code, c.text)
		}
	}
	if _, err := e.c.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{RestoreJobId: aws.String("NOPE"), ValidationStatus: types.RestoreValidationStatusSuccessful}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("PutRestoreValidationResult of no job = %v, want ResourceNotFoundException", err)
	}
}

var _ = os.Stat
var _ = filepath.Join
var _ = time.Second
var _ = enginetest.WriteTree
