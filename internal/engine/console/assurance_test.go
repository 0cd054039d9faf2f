package console_test

import (
	"context"
	"html/template"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// hostileVerdict is a validator's message the restore tests page must show as text.
const hostileVerdict = `<img src=x onerror="document.title='pwned'">checksum mismatch`

// A restore testing plan's daily run restores a point; the external validator reports it
// FAILED. The restore tests page shows the plan's schedule and recovery point choice, its
// selection, and the test: its job, the FAILED validation with the validator's (escaped)
// message, the cleanup, and how long the restore took, in a row marked failed; the dashboard
// counts it among the day's failed restore tests.
func TestRestoreTestsPageShowsPlansAndFailedTests(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e.url)
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	if _, body := b.get("/console/restore-tests"); !strings.Contains(body, "No restore testing plans.") {
		t.Errorf("before any plan the page should say there is none:\n%s", body)
	}

	id := e.startRestoreTest(t)
	if _, body := b.get("/console/restore-tests"); !strings.Contains(body, "awaiting") || strings.Contains(body, `class="failed"`) {
		t.Errorf("a test inside its validation window should show as awaiting its validator, not failed:\n%s", body)
	}
	e.failRestoreTest(t, id)

	_, body := b.get("/console/restore-tests")
	for _, want := range []string{"daily_check", "cron(0 10 ? * * *)", "start window 1 h", "LATEST_WITHIN_WINDOW", e.heldIn, "directories",
		"<code>" + e.resource + "</code>", "1 h", id, `<span class="state state-FAILED">FAILED</span>`,
		"&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;checksum mismatch", `<span class="state state-SUCCESSFUL">SUCCESSFUL</span>`,
		`<tr class="failed">`, "2026-01-10 10:00 UTC"} {
		if !strings.Contains(body, want) {
			t.Errorf("the restore tests page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, hostileVerdict) {
		t.Errorf("the validator's message is shown unescaped:\n%s", body)
	}
	if !regexp.MustCompile(`<td>\d+(\.\d+)?[hms]`).MatchString(body) {
		t.Errorf("the restore test's duration is not shown:\n%s", body)
	}
	if _, dash := b.get("/console/"); !strings.Contains(dash, `<span class="state state-FAILED">1 failed</span> of 1`) ||
		!strings.Contains(dash, `href="/console/restore-tests"`) {
		t.Errorf("the dashboard should count the failed restore test and link the page:\n%s", dash)
	}

	// The next day's test gets no verdict within its hour: TIMED_OUT, a failure too; the
	// dashboard's 24 hours now hold only it.
	if _, err := e.srv.Registry("us-east-1").AdvanceClock(context.Background(), "1d1h", 0); err != nil {
		t.Fatal(err)
	}
	_, body = b.get("/console/restore-tests")
	if !strings.Contains(body, `<span class="state state-TIMED_OUT">TIMED_OUT</span>`) || strings.Count(body, `<tr class="failed">`) != 2 ||
		!strings.Contains(body, "2026-01-11 10:00 UTC") {
		t.Errorf("the page should show the second test TIMED_OUT, and both tests failed:\n%s", body)
	}
	if _, dash := b.get("/console/"); !strings.Contains(dash, `<span class="state state-FAILED">1 failed</span> of 1`) {
		t.Errorf("the dashboard should count only the last 24 hours' failed restore test:\n%s", dash)
	}
}

// A framework whose protected-by-a-plan control finds a registered directory no plan selects:
// the compliance page shows the framework NON_COMPLIANT, its controls and their parameters, and
// the verdicts with their reasons, the NON_COMPLIANT one first; the report plan shows its last
// report job; the dashboard counts the framework as non-compliant.
func TestCompliancePageShowsVerdictsNonCompliantFirst(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := newBrowser(t, e.url)
	b.signIn(e.srv.Key.AccessKeyID, e.srv.Key.SecretAccessKey)
	if _, dash := b.get("/console/"); !strings.Contains(dash, "0 frameworks, none non-compliant") {
		t.Errorf("with no framework the dashboard should say so:\n%s", dash)
	}

	fw, unprotected := e.nonCompliantFramework(t)
	verdicts, err := e.srv.Registry("us-east-1").GetFrameworkCompliance(ctx, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	compliant := 0
	for _, r := range verdicts.Results {
		if r.ResourceArn == unprotected && r.ComplianceStatus == "NON_COMPLIANT" {
			reason = r.Reason
		}
		if r.ComplianceStatus == "COMPLIANT" {
			compliant++
		}
	}
	if reason == "" || compliant == 0 {
		t.Fatalf("the API's verdicts = %+v; want the stray directory NON_COMPLIANT and something COMPLIANT", verdicts)
	}
	if _, err := e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("for_the_auditor"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), S3KeyPrefix: aws.String("audit")},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT"), FrameworkArns: []string{fw}}}); err != nil {
		t.Fatal(err)
	}
	started, err := e.c.StartReportJob(ctx, &backup.StartReportJobInput{ReportPlanName: aws.String("for_the_auditor")})
	if err != nil {
		t.Fatal(err)
	}
	var job *types.ReportJob
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err := e.c.DescribeReportJob(ctx, &backup.DescribeReportJobInput{ReportJobId: started.ReportJobId})
		if err != nil {
			t.Fatal(err)
		}
		if s := aws.ToString(out.ReportJob.Status); s != "CREATED" && s != "RUNNING" {
			job = out.ReportJob
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report job did not finish in 60s")
		}
	}

	_, body := b.get("/console/compliance")
	for _, want := range []string{"auditor", "what the auditor checks", `<span class="state state-NON_COMPLIANT">NON_COMPLIANT</span>`,
		"BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", "requiredRetentionDays=35", "<code>EFS</code>",
		template.HTMLEscapeString(reason), "for_the_auditor", "CONTROL_COMPLIANCE_REPORT", "reports/audit", aws.ToString(job.ReportJobId),
		`<span class="state state-` + aws.ToString(job.Status) + `">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the compliance page lacks %q:\n%s", want, body)
		}
	}
	if job.ReportDestination != nil {
		for _, key := range job.ReportDestination.S3Keys {
			if !strings.Contains(body, key) {
				t.Errorf("the compliance page lacks the report's key %s", key)
			}
		}
	}
	verdictsTable := body[strings.Index(body, `class="verdicts"`):]
	firstCompliant := strings.Index(verdictsTable, "state-COMPLIANT")
	lastNonCompliant := strings.LastIndex(verdictsTable, "state-NON_COMPLIANT")
	if firstCompliant < 0 || lastNonCompliant < 0 || lastNonCompliant > firstCompliant {
		t.Errorf("the verdicts should list NON_COMPLIANT before COMPLIANT:\n%s", verdictsTable)
	}
	if !strings.Contains(verdictsTable, "<code>"+unprotected+"</code>") {
		t.Errorf("the verdicts lack the stray directory %s", unprotected)
	}
	if _, dash := b.get("/console/"); !strings.Contains(dash, "1 of 1 frameworks non-compliant") || !strings.Contains(dash, `href="/console/compliance"`) {
		t.Errorf("the dashboard should count the non-compliant framework and link the page:\n%s", dash)
	}
}

// startRestoreTest creates the restore testing plan daily_check (10:00 daily, any vault but the
// held one) with the selection directories (the plan's resource, validated by an external
// validator within 1 hour), and moves the engine clock to 10:30: its test has restored and
// awaits its validator. It returns the test's restore job ID.
func (e *env) startRestoreTest(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	plan, err := e.c.CreateRestoreTestingPlan(ctx, &backup.CreateRestoreTestingPlanInput{RestoreTestingPlan: &types.RestoreTestingPlanForCreate{
		RestoreTestingPlanName: aws.String("daily_check"), ScheduleExpression: aws.String("cron(0 10 ? * * *)"), StartWindowHours: 1,
		RecoveryPointSelection: &types.RestoreTestingRecoveryPointSelection{Algorithm: types.RestoreTestingRecoveryPointSelectionAlgorithmLatestWithinWindow,
			IncludeVaults: []string{"*"}, ExcludeVaults: []string{"arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:" + e.heldIn},
			RecoveryPointTypes: []types.RestoreTestingRecoveryPointType{types.RestoreTestingRecoveryPointTypeSnapshot}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateRestoreTestingSelection(ctx, &backup.CreateRestoreTestingSelectionInput{RestoreTestingPlanName: aws.String("daily_check"),
		RestoreTestingSelection: &types.RestoreTestingSelectionForCreate{RestoreTestingSelectionName: aws.String("directories"),
			IamRoleArn: aws.String("arn:aws:iam::123456789012:role/backup"), ProtectedResourceType: aws.String("EFS"),
			ProtectedResourceArns: []string{e.resource}, ValidationWindowHours: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Registry("us-east-1").AdvanceClock(ctx, "1h30m", 0); err != nil { // 09:00 to 10:30: the 10:00 run restored
		t.Fatal(err)
	}
	jobs, err := e.c.ListRestoreJobs(ctx, &backup.ListRestoreJobsInput{ByRestoreTestingPlanArn: plan.RestoreTestingPlanArn})
	if err != nil || len(jobs.RestoreJobs) != 1 || jobs.RestoreJobs[0].Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore tests after the 10:00 run = %+v, %v; want one completed restore", jobs, err)
	}
	return aws.ToString(jobs.RestoreJobs[0].RestoreJobId)
}

// failRestoreTest puts the validator's FAILED verdict (hostileVerdict) on the test and lets the
// cleanup run.
func (e *env) failRestoreTest(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.c.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{RestoreJobId: aws.String(id),
		ValidationStatus: types.RestoreValidationStatusFailed, ValidationStatusMessage: aws.String(hostileVerdict)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Registry("us-east-1").AdvanceClock(ctx, "1m", 0); err != nil { // the cleanup runs
		t.Fatal(err)
	}

}

// nonCompliantFramework registers a directory no plan selects and creates the framework auditor,
// whose protected-by-a-plan control finds it NON_COMPLIANT. It returns the framework's ARN and
// the directory's.
func (e *env) nonCompliantFramework(t *testing.T) (framework, unprotected string) {
	t.Helper()
	ctx := context.Background()
	stray := filepath.Join(e.dir, "stray")
	writeFiles(t, stray)
	res, err := e.srv.Registry("us-east-1").RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: stray})
	if err != nil {
		t.Fatal(err)
	}
	fw, err := e.c.CreateFramework(ctx, &backup.CreateFrameworkInput{FrameworkName: aws.String("auditor"), FrameworkDescription: aws.String("what the auditor checks"),
		FrameworkControls: []types.FrameworkControl{
			{ControlName: aws.String("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"), ControlScope: &types.ControlScope{ComplianceResourceTypes: []string{"EFS"}}},
			{ControlName: aws.String("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(fw.FrameworkArn), res.ResourceArn
}
