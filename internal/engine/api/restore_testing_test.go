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

// restoreTestEnv is an engine on the fake clock with a vault, a backed-up directory and a weekly
// restore testing plan over it.
type restoreTestEnv struct {
	*schedEnv
	source  string
	planARN string
}

func newRestoreTestEnv(t *testing.T, overrides map[string]string, windowHours int32) *restoreTestEnv {
	t.Helper()
	e := &restoreTestEnv{schedEnv: newSchedEnv(t, schedStart, engine.Options{})}
	ctx := context.Background()
	e.vault(t, "rt-vault")
	e.source = filepath.Join(t.TempDir(), "orders")
	enginetest.WriteTree(t, e.source, 7)
	arn := e.register(t, e.source)
	e.backup(t, "rt-vault", arn)
	out, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: weeklyRestoreTestPlan("weekly")})
	if err != nil {
		t.Fatal(err)
	}
	e.planARN = aws.ToString(out.RestoreTestingPlanArn)
	_, err = e.c.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly"),
		RestoreTestingSelection: &types.RestoreTestingSelectionForCreate{RestoreTestingSelectionName: aws.String("dirs"), IamRoleArn: aws.String(role),
			ProtectedResourceType: aws.String("EFS"), ProtectedResourceArns: []string{"*"}, RestoreMetadataOverrides: overrides, ValidationWindowHours: aws.Int32(windowHours)}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// tests lists the plan's restore jobs.
func (e *restoreTestEnv) tests(t *testing.T) []types.RestoreJobsListMember {
	t.Helper()
	out, err := e.c.ListRestoreJobs(context.Background(), &backup.ListRestoreJobsInput{ByRestoreTestingPlanArn: aws.String(e.planARN)})
	if err != nil {
		t.Fatal(err)
	}
	return out.RestoreJobs
}

// scratchDirs lists the restore-test directories beside the source.
func (e *restoreTestEnv) scratchDirs(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(e.source), "restore-test-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWeeklyEFSRestoreTestChecksEveryFileAndDeletesItsDirectory(t *testing.T) {
	e := newRestoreTestEnv(t, map[string]string{"engine:validation": "builtin"}, 0)
	if n := len(e.tests(t)); n != 0 {
		t.Fatalf("%d restore tests before the plan's first Sunday", n)
	}
	e.advance(t, "5d") // Tuesday noon to Sunday noon: the Sunday 03:00 run happened
	tests := e.tests(t)
	if len(tests) != 1 {
		t.Fatalf("after the first Sunday: %d restore tests, want 1", len(tests))
	}
	j := tests[0]
	if j.Status != types.RestoreJobStatusCompleted || j.ValidationStatus != types.RestoreValidationStatusSuccessful ||
		j.DeletionStatus != types.RestoreDeletionStatusSuccessful || aws.ToString(j.CreatedBy.RestoreTestingPlanArn) != e.planARN {
		t.Fatalf("restore test: status %s, validation %s (%s), deletion %s (%s), created by %+v", j.Status, j.ValidationStatus,
			aws.ToString(j.ValidationStatusMessage), j.DeletionStatus, aws.ToString(j.DeletionStatusMessage), j.CreatedBy)
	}
	if !strings.Contains(aws.ToString(j.ValidationStatusMessage), "files") {
		t.Errorf("validation message %q does not say what was checked", aws.ToString(j.ValidationStatusMessage))
	}
	if got := aws.ToTime(j.CreationDate); !got.Equal(time.Date(2024, 1, 21, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("the restore test was created at %s, want the plan's Sunday 03:00", got)
	}
	if d := e.scratchDirs(t); len(d) != 0 {
		t.Errorf("scratch directories left behind: %v", d)
	}
	if _, err := os.Stat(e.source); err != nil {
		t.Errorf("the original directory: %v", err)
	}
	got, _ := e.c.GetRestoreTestingPlan(context.Background(), &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: aws.String("weekly")})
	if lt := aws.ToTime(got.RestoreTestingPlan.LastExecutionTime); !lt.Equal(time.Date(2024, 1, 21, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("LastExecutionTime = %s", lt)
	}
	e.advance(t, "14d")
	if n := len(e.tests(t)); n != 3 {
		t.Errorf("after three Sundays: %d restore tests, want 3", n)
	}
}

func TestAnExternalRestoreTestTakesAResultOrTimesOut(t *testing.T) {
	e := newRestoreTestEnv(t, nil, 4)
	ctx := context.Background()
	e.advance(t, "4d15h30m") // Sunday 03:30: the 03:00 test restored, its 4-hour window open
	tests := e.tests(t)
	if len(tests) != 1 || tests[0].ValidationStatus != "" || tests[0].DeletionStatus != "" {
		t.Fatalf("after the first run: %+v; want one completed test awaiting its validator", tests)
	}
	id := tests[0].RestoreJobId
	// The validator's cue: the completed job's "Restore Job State Change" event names the plan.
	cue := false
	for _, ev := range e.events(t) {
		env := ev.Envelope()
		if ev.RestoreJobID == aws.ToString(id) && ev.Type == "RESTORE_JOB_SUCCESSFUL" && env.DetailType == "Restore Job State Change" &&
			env.Detail.CreatedBy != nil && env.Detail.CreatedBy.RestoreTestingPlanArn == e.planARN {
			cue = true
		}
	}
	if !cue {
		t.Errorf("no Restore Job State Change event of %s naming the restore testing plan %s", aws.ToString(id), e.planARN)
	}
	if d := e.scratchDirs(t); len(d) != 1 {
		t.Fatalf("scratch directories during the validation window: %v, want the restored one", d)
	}
	res, err := e.reg.ListResources(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Locator != e.source {
		t.Errorf("registered resources during the validation window: %+v; want only the original (no backup selection may pick up the scratch directory)", res)
	}
	if created := aws.ToString(tests[0].CreatedResourceArn); !strings.Contains(created, "elasticfilesystem") {
		t.Errorf("CreatedResourceArn = %q, want the scratch directory's EFS ARN", created)
	}
	if _, err := e.c.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{RestoreJobId: id, ValidationStatus: types.RestoreValidationStatusValidating}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{RestoreJobId: id, ValidationStatus: types.RestoreValidationStatusSuccessful,
		ValidationStatusMessage: aws.String("app health check passed")}); err != nil {
		t.Fatal(err)
	}
	e.advance(t, "1m")
	j, err := e.c.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: id})
	if err != nil {
		t.Fatal(err)
	}
	if j.ValidationStatus != types.RestoreValidationStatusSuccessful || aws.ToString(j.ValidationStatusMessage) != "app health check passed" ||
		j.DeletionStatus != types.RestoreDeletionStatusSuccessful {
		t.Fatalf("after the validator's result: validation %s %q, deletion %s", j.ValidationStatus, aws.ToString(j.ValidationStatusMessage), j.DeletionStatus)
	}
	if _, err := e.c.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{RestoreJobId: id, ValidationStatus: types.RestoreValidationStatusFailed}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("a second result after cleanup = %v, want InvalidRequestException", err)
	}
	if d := e.scratchDirs(t); len(d) != 0 {
		t.Errorf("scratch directories after the result: %v", d)
	}

	// The next Sunday's test gets no result: at the end of its 4-hour window it is TIMED_OUT.
	e.advance(t, "7d4h") // the next Sunday, 07:31: past its test's window
	tests = e.tests(t)
	if len(tests) != 2 {
		t.Fatalf("%d tests after two Sundays", len(tests))
	}
	late := tests[1]
	if late.ValidationStatus != types.RestoreValidationStatusTimedOut || late.DeletionStatus != types.RestoreDeletionStatusSuccessful ||
		!strings.Contains(aws.ToString(late.ValidationStatusMessage), "4-hour validation window") {
		t.Fatalf("unanswered test: validation %s %q, deletion %s", late.ValidationStatus, aws.ToString(late.ValidationStatusMessage), late.DeletionStatus)
	}
	if d := e.scratchDirs(t); len(d) != 0 {
		t.Errorf("scratch directories after the time-out: %v", d)
	}
}

func TestARestoreTestOfADamagedPointFailsValidation(t *testing.T) {
	e := newRestoreTestEnv(t, map[string]string{"engine:validation": "builtin"}, 0)
	// Flip one byte in each of the vault's packs: the point's data no longer is what was backed up.
	var packs []string
	_ = filepath.WalkDir(filepath.Join(e.dataDir, "repos"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(p, string(filepath.Separator)+"packs"+string(filepath.Separator)) {
			packs = append(packs, p)
		}
		return nil
	})
	if len(packs) == 0 {
		t.Fatal("the vault has no packs to damage")
	}
	for _, p := range packs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x40
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e.advance(t, "5d")
	tests := e.tests(t)
	if len(tests) != 1 {
		t.Fatalf("%d restore tests, want 1", len(tests))
	}
	j := tests[0]
	if j.ValidationStatus != types.RestoreValidationStatusFailed {
		t.Fatalf("a damaged point's test: status %s (%s), validation %s (%s); want validation FAILED", j.Status, aws.ToString(j.StatusMessage),
			j.ValidationStatus, aws.ToString(j.ValidationStatusMessage))
	}
	if !strings.Contains(aws.ToString(j.ValidationStatusMessage), "restore failed") {
		t.Errorf("validation message %q does not say the restore of the damaged data failed", aws.ToString(j.ValidationStatusMessage))
	}
	t.Logf("damaged point: %s", aws.ToString(j.ValidationStatusMessage))
	if d := e.scratchDirs(t); len(d) != 0 {
		t.Errorf("scratch directories left behind by the failed test: %v", d)
	}
}

// A quarter of engine time in one test: daily backups by a plan, and a weekly restore test that
// picks one of the last week's points at random. Every test restores, validates and cleans up.
func TestAQuarterOfWeeklyRandomRestoreTestsOverDailyBackups(t *testing.T) {
	e := newSchedEnv(t, schedStart, engine.Options{})
	ctx := context.Background()
	e.vault(t, "daily")
	e.dirs(t, 1, map[string]string{"Backup": "true"})
	e.plan(t, dailyRule("daily"))
	p := weeklyRestoreTestPlan("weekly_random")
	p.RecoveryPointSelection.Algorithm = types.RestoreTestingRecoveryPointSelectionAlgorithmRandomWithinWindow
	p.RecoveryPointSelection.SelectionWindowDays = 7
	plan, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("weekly_random"),
		RestoreTestingSelection: &types.RestoreTestingSelectionForCreate{RestoreTestingSelectionName: aws.String("all"), IamRoleArn: aws.String(role),
			ProtectedResourceType: aws.String("EFS"), ProtectedResourceArns: []string{"*"}, RestoreMetadataOverrides: map[string]string{"engine:validation": "builtin"}}}); err != nil {
		t.Fatal(err)
	}
	e.advance(t, "91d")
	var tests []types.RestoreJobsListMember
	pg := backup.NewListRestoreJobsPaginator(e.c, &backup.ListRestoreJobsInput{ByRestoreTestingPlanArn: plan.RestoreTestingPlanArn})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, page.RestoreJobs...)
	}
	if len(tests) != 13 {
		t.Fatalf("%d restore tests in 13 weeks, want 13", len(tests))
	}
	notLatest := 0
	for _, j := range tests {
		created, point := aws.ToTime(j.CreationDate), aws.ToTime(j.RecoveryPointCreationDate)
		if j.ValidationStatus != types.RestoreValidationStatusSuccessful || j.DeletionStatus != types.RestoreDeletionStatusSuccessful {
			t.Errorf("test of %s: validation %s %q, deletion %s", created, j.ValidationStatus, aws.ToString(j.ValidationStatusMessage), j.DeletionStatus)
		}
		if point.After(created) || point.Before(created.AddDate(0, 0, -7)) {
			t.Errorf("test of %s restored a point of %s, outside its 7-day window", created, point)
		}
		if created.Sub(point) > 24*time.Hour {
			notLatest++
		}
	}
	if notLatest == 0 {
		t.Error("13 random picks all chose the latest point")
	}
}
