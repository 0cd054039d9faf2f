package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
)

// Frameworks and report plans through the SDK: created with AWS's defaults filled in, described,
// listed, updated, refused with AWS's error codes where the input is wrong, and deleted (a
// framework a report plan uses only after the plan is gone).
func TestFrameworkAndReportPlanCRUDThroughSDK(t *testing.T) {
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake})

	created, err := e.c.CreateFramework(ctx, &backup.CreateFrameworkInput{
		FrameworkName: aws.String("audit"), FrameworkDescription: aws.String("the auditor's"),
		FrameworkControls: []types.FrameworkControl{
			{ControlName: aws.String("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")},
			{ControlName: aws.String("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"), ControlScope: &types.ControlScope{ComplianceResourceTypes: []string{"EFS"}}},
		},
		FrameworkTags: map[string]string{"team": "audit"}, IdempotencyToken: aws.String("create-audit"),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.FrameworkArn)
	again, err := e.c.CreateFramework(ctx, &backup.CreateFrameworkInput{FrameworkName: aws.String("audit"), IdempotencyToken: aws.String("create-audit"),
		FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}})
	if err != nil || aws.ToString(again.FrameworkArn) != arn {
		t.Errorf("a retry with the same IdempotencyToken = %+v, %v; want framework %s again", again, err, arn)
	}
	if !strings.HasPrefix(arn, "arn:aws:backup:us-east-1:"+e.srv.Key.AccountID+":framework/audit-") {
		t.Errorf("FrameworkArn = %s", arn)
	}
	d, err := e.c.DescribeFramework(ctx, &backup.DescribeFrameworkInput{FrameworkName: aws.String("audit")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.DeploymentStatus) != "COMPLETED" || aws.ToString(d.FrameworkStatus) != "ACTIVE" || !d.CreationTime.Equal(fake.Now()) || len(d.FrameworkControls) != 2 {
		t.Errorf("DescribeFramework = %+v", d)
	}
	if p := d.FrameworkControls[0].ControlInputParameters; len(p) != 1 || aws.ToString(p[0].ParameterName) != "requiredRetentionDays" || aws.ToString(p[0].ParameterValue) != "35" {
		t.Errorf("the default requiredRetentionDays [35 days] is not filled in: %+v", p)
	}
	tags, err := e.c.ListTags(ctx, &backup.ListTagsInput{ResourceArn: aws.String(arn)})
	if err != nil || tags.Tags["team"] != "audit" {
		t.Errorf("ListTags(framework) = %+v, %v", tags, err)
	}

	for name, in := range map[string]*backup.CreateFrameworkInput{
		"InvalidParameterValueException: unknown control": {FrameworkName: aws.String("bad1"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("NO_SUCH_CONTROL")}}},
		"InvalidParameterValueException: bad parameter": {FrameworkName: aws.String("bad2"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_LAST_RECOVERY_POINT_CREATED"),
			ControlInputParameters: []types.ControlInputParameter{{ParameterName: aws.String("recoveryPointAgeUnit"), ParameterValue: aws.String("weeks")}}}}},
		"InvalidParameterValueException: two tags": {FrameworkName: aws.String("bad3"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED"),
			ControlScope: &types.ControlScope{Tags: map[string]string{"a": "1", "b": "2"}}}}},
		"AlreadyExistsException: same name": {FrameworkName: aws.String("audit"), FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}},
	} {
		_, err := e.c.CreateFramework(ctx, in)
		code, _, _ := strings.Cut(name, ":")
		if err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("%s: CreateFramework err = %v", name, err)
		}
	}

	if _, err := e.c.UpdateFramework(ctx, &backup.UpdateFrameworkInput{FrameworkName: aws.String("audit"),
		FrameworkControls: []types.FrameworkControl{{ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}}); err != nil {
		t.Fatal(err)
	}
	list, err := e.c.ListFrameworks(ctx, &backup.ListFrameworksInput{})
	if err != nil || len(list.Frameworks) != 1 || list.Frameworks[0].NumberOfControls != 1 || aws.ToString(list.Frameworks[0].FrameworkDescription) != "the auditor's" {
		t.Errorf("ListFrameworks after update = %+v, %v", list, err)
	}

	_, err = e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("daily"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports")},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT")}})
	if err == nil || !strings.Contains(err.Error(), "MissingParameterValueException") || !strings.Contains(err.Error(), "FrameworkArns") {
		t.Errorf("a compliance report without FrameworkArns: err = %v", err)
	}
	rp, err := e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("daily"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), S3KeyPrefix: aws.String("audit")},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT"), FrameworkArns: []string{arn}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.c.DescribeReportPlan(ctx, &backup.DescribeReportPlanInput{ReportPlanName: aws.String("daily")})
	if err != nil {
		t.Fatal(err)
	}
	p := got.ReportPlan
	if aws.ToString(p.ReportPlanArn) != aws.ToString(rp.ReportPlanArn) || aws.ToString(p.DeploymentStatus) != "COMPLETED" ||
		len(p.ReportDeliveryChannel.Formats) != 1 || p.ReportDeliveryChannel.Formats[0] != "CSV" || p.ReportSetting.NumberOfFrameworks != 1 {
		t.Errorf("DescribeReportPlan = %+v / %+v / %+v", p, p.ReportDeliveryChannel, p.ReportSetting)
	}
	for name, in := range map[string]*backup.UpdateReportPlanInput{
		"InvalidParameterValueException: SCAN_JOB_REPORT": {ReportPlanName: aws.String("daily"), ReportSetting: &types.ReportSetting{ReportTemplate: aws.String("SCAN_JOB_REPORT")}},
		"InvalidParameterValueException: Formats[1]": {ReportPlanName: aws.String("daily"),
			ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), Formats: []string{"CSV", "XML"}}},
		"InvalidParameterValueException: FrameworkArns applies only": {ReportPlanName: aws.String("daily"),
			ReportSetting: &types.ReportSetting{ReportTemplate: aws.String("BACKUP_JOB_REPORT"), FrameworkArns: []string{arn}}},
		"ResourceNotFoundException: report plan nope": {ReportPlanName: aws.String("nope")},
	} {
		_, err := e.c.UpdateReportPlan(ctx, in)
		code, text, _ := strings.Cut(name, ": ")
		if err == nil || !strings.Contains(err.Error(), code) || !strings.Contains(err.Error(), text) {
			t.Errorf("%s: UpdateReportPlan err = %v", name, err)
		}
	}
	if _, err := e.c.UpdateReportPlan(ctx, &backup.UpdateReportPlanInput{ReportPlanName: aws.String("daily"), ReportPlanDescription: aws.String("for the auditor"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), Formats: []string{"JSON", "CSV"}}}); err != nil {
		t.Fatal(err)
	}
	plans, err := e.c.ListReportPlans(ctx, &backup.ListReportPlansInput{})
	if err != nil || len(plans.ReportPlans) != 1 || aws.ToString(plans.ReportPlans[0].ReportPlanDescription) != "for the auditor" ||
		len(plans.ReportPlans[0].ReportDeliveryChannel.Formats) != 2 || aws.ToString(plans.ReportPlans[0].ReportSetting.ReportTemplate) != "CONTROL_COMPLIANCE_REPORT" {
		t.Errorf("ListReportPlans after update = %+v, %v", plans, err)
	}
	if _, err := e.c.DeleteFramework(ctx, &backup.DeleteFrameworkInput{FrameworkName: aws.String("audit")}); err == nil || !strings.Contains(err.Error(), "ConflictException") {
		t.Errorf("deleting a framework a report plan uses: err = %v", err)
	}
	if _, err := e.c.DeleteReportPlan(ctx, &backup.DeleteReportPlanInput{ReportPlanName: aws.String("daily")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteFramework(ctx, &backup.DeleteFrameworkInput{FrameworkName: aws.String("audit")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DescribeFramework(ctx, &backup.DescribeFrameworkInput{FrameworkName: aws.String("audit")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeFramework after delete: err = %v", err)
	}
}

func (e *jobEnv) waitReport(t *testing.T, id string) *types.ReportJob {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := e.c.DescribeReportJob(context.Background(), &backup.DescribeReportJobInput{ReportJobId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeReportJob: %v", err)
		}
		if s := aws.ToString(out.ReportJob.Status); s != "CREATED" && s != "RUNNING" {
			return out.ReportJob
		}
		if time.Now().After(deadline) {
			t.Fatalf("report job %s still %s after 60s", id, aws.ToString(out.ReportJob.Status))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A backup job report delivered to the configured directory: a delivery that fails leaves the
// job FAILED with the reason and the plan's last successful run unset; the plan's daily run on
// the engine clock tries again, and delivers the CSV and JSON, whose rows are the day's backup
// job.
func TestReportJobFailsThenTheDailyRunDelivers(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	fake := clock.NewFake(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC))
	e := newJobEnv(t, engine.Options{Clock: fake, Config: &config.Config{Reports: config.Reports{Directory: out}}})
	src := filepath.Join(t.TempDir(), "data")
	writeSmallTree(t, src, 1)
	arn := e.register(t, src)
	e.vault(t, "main")
	job := e.backup(t, "main", arn)

	// The compliance endpoint: the resource is in no plan, and its point is encrypted.
	if _, err := e.c.CreateFramework(ctx, &backup.CreateFrameworkInput{FrameworkName: aws.String("f"), FrameworkControls: []types.FrameworkControl{
		{ControlName: aws.String("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN")}, {ControlName: aws.String("BACKUP_RECOVERY_POINT_ENCRYPTED")}}}); err != nil {
		t.Fatal(err)
	}
	verdicts, err := e.reg.GetFrameworkCompliance(ctx, "f")
	if err != nil || verdicts.ComplianceStatus != "NON_COMPLIANT" || len(verdicts.Results) != 2 ||
		verdicts.Results[0].ResourceArn != arn || verdicts.Results[0].ComplianceStatus != "NON_COMPLIANT" || !strings.Contains(verdicts.Results[0].Reason, "no backup plan") ||
		verdicts.Results[1].ResourceArn != aws.ToString(job.RecoveryPointArn) || verdicts.Results[1].ComplianceStatus != "COMPLIANT" {
		t.Errorf("GetFrameworkCompliance = %+v, %v", verdicts, err)
	}
	if _, err := e.reg.GetFrameworkCompliance(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("an unknown framework's compliance: err = %v", err)
	}

	if _, err := e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("jobs"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), Formats: []string{"CSV", "JSON"}},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("BACKUP_JOB_REPORT")}}); err != nil {
		t.Fatal(err)
	}
	// A file where the bucket's directory would go: the delivery fails.
	if err := os.WriteFile(filepath.Join(out, "reports"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	started, err := e.c.StartReportJob(ctx, &backup.StartReportJobInput{ReportPlanName: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	failed := e.waitReport(t, aws.ToString(started.ReportJobId))
	if aws.ToString(failed.Status) != "FAILED" || !strings.Contains(aws.ToString(failed.StatusMessage), "could not be delivered") || failed.ReportDestination == nil || len(failed.ReportDestination.S3Keys) != 0 {
		t.Errorf("the undeliverable report job = %+v", failed)
	}
	plan, err := e.c.DescribeReportPlan(ctx, &backup.DescribeReportPlanInput{ReportPlanName: aws.String("jobs")})
	if err != nil || plan.ReportPlan.LastAttemptedExecutionTime == nil || plan.ReportPlan.LastSuccessfulExecutionTime != nil {
		t.Errorf("the plan after a failed run = %+v, %v", plan, err)
	}

	if err := os.Remove(filepath.Join(out, "reports")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reg.AdvanceClock(ctx, "24h", time.Minute); err != nil {
		t.Fatal(err)
	}
	list, err := e.c.ListReportJobs(ctx, &backup.ListReportJobsInput{ByReportPlanName: aws.String("jobs")})
	if err != nil || len(list.ReportJobs) != 2 {
		t.Fatalf("ListReportJobs after a day = %+v, %v", list, err)
	}
	daily := e.waitReport(t, aws.ToString(list.ReportJobs[1].ReportJobId))
	if aws.ToString(daily.Status) != "COMPLETED" || len(daily.ReportDestination.S3Keys) != 2 || !daily.CreationTime.Equal(fake.Now()) {
		t.Fatalf("the daily report job = %+v", daily)
	}
	for _, key := range daily.ReportDestination.S3Keys {
		if !strings.HasPrefix(key, "Backup/us-east-1/2024/03/02/jobs_BACKUP_JOB_REPORT_20240302T090000Z.") {
			t.Errorf("key %s is not AWS's layout", key)
		}
		body, err := os.ReadFile(filepath.Join(out, "reports", key))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), aws.ToString(job.BackupJobId)) || !strings.Contains(string(body), arn) {
			t.Errorf("%s does not list backup job %s of %s:\n%s", key, aws.ToString(job.BackupJobId), arn, body)
		}
	}
	failedOnly, err := e.c.ListReportJobs(ctx, &backup.ListReportJobsInput{ByStatus: aws.String("FAILED")})
	if err != nil || len(failedOnly.ReportJobs) != 1 || aws.ToString(failedOnly.ReportJobs[0].ReportJobId) != aws.ToString(started.ReportJobId) {
		t.Errorf("ListReportJobs ByStatus FAILED = %+v, %v", failedOnly, err)
	}
	recent, err := e.c.ListReportJobs(ctx, &backup.ListReportJobsInput{ByCreationAfter: aws.Time(fake.Now().Add(-time.Hour)), ByCreationBefore: aws.Time(fake.Now().Add(time.Minute))})
	if err != nil || len(recent.ReportJobs) != 1 || aws.ToString(recent.ReportJobs[0].ReportJobId) != aws.ToString(daily.ReportJobId) {
		t.Errorf("ListReportJobs created in the last hour = %+v, %v", recent, err)
	}
	plan, err = e.c.DescribeReportPlan(ctx, &backup.DescribeReportPlanInput{ReportPlanName: aws.String("jobs")})
	if err != nil || !plan.ReportPlan.LastSuccessfulExecutionTime.Equal(fake.Now()) {
		t.Errorf("the plan after the daily run = %+v, %v", plan.ReportPlan, err)
	}
}

// Copy and restore job reports in JSON, and a control compliance report, each from the jobs the
// engine ran: every template's rows are the engine's records.
func TestCopyRestoreAndControlReports(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	e := newJobEnv(t, engine.Options{Clock: clock.NewFake(time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)), Config: &config.Config{Reports: config.Reports{Directory: out}}})
	src := filepath.Join(t.TempDir(), "data")
	writeSmallTree(t, src, 2)
	arn := e.register(t, src)
	e.vault(t, "main")
	e.vault(t, "second")
	point := aws.ToString(e.backup(t, "main", arn).RecoveryPointArn)
	cp := e.waitCopy(t, e.startCopy(t, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("main"), RecoveryPointArn: aws.String(point),
		DestinationBackupVaultArn: aws.String("arn:aws:backup:us-east-1:" + e.srv.Key.AccountID + ":backup-vault:second")}))
	meta, err := e.c.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: aws.String("main"), RecoveryPointArn: aws.String(point)})
	if err != nil {
		t.Fatal(err)
	}
	meta.RestoreMetadata["destination-path"] = filepath.Join(t.TempDir(), "restored")
	rs, err := e.c.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: aws.String(point), Metadata: meta.RestoreMetadata, IamRoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.waitRestore(t, aws.ToString(rs.RestoreJobId)); r.Status != types.RestoreJobStatusCompleted {
		t.Fatalf("restore ended %s", r.Status)
	}
	fw, err := e.c.CreateFramework(ctx, &backup.CreateFrameworkInput{FrameworkName: aws.String("f"), FrameworkControls: []types.FrameworkControl{
		{ControlName: aws.String("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN")}, {ControlName: aws.String("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET")}}})
	if err != nil {
		t.Fatal(err)
	}

	report := func(name, template string, frameworks ...string) map[string]any {
		t.Helper()
		if _, err := e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String(name),
			ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), Formats: []string{"JSON"}},
			ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String(template), FrameworkArns: frameworks}}); err != nil {
			t.Fatal(err)
		}
		started, err := e.c.StartReportJob(ctx, &backup.StartReportJobInput{ReportPlanName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		job := e.waitReport(t, aws.ToString(started.ReportJobId))
		if aws.ToString(job.Status) != "COMPLETED" || len(job.ReportDestination.S3Keys) != 1 || aws.ToString(job.ReportTemplate) != template {
			t.Fatalf("%s job = %+v", template, job)
		}
		body, err := os.ReadFile(filepath.Join(out, "reports", job.ReportDestination.S3Keys[0]))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ReportItems []map[string]any `json:"reportItems"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || len(doc.ReportItems) != 1 {
			t.Fatalf("%s: %s, %v", template, body, err)
		}
		return doc.ReportItems[0]
	}
	if row := report("copies", "COPY_JOB_REPORT"); row["Copy Job ID"] != aws.ToString(cp.CopyJobId) || row["Source Recovery Point ARN"] != point ||
		row["Destination Recovery Point ARN"] != aws.ToString(cp.DestinationRecoveryPointArn) || row["Job Status"] != "COMPLETED" || row["Resource ARN"] != arn {
		t.Errorf("copy job report row = %v", row)
	}
	if row := report("restores", "RESTORE_JOB_REPORT"); row["Restore Job ID"] != aws.ToString(rs.RestoreJobId) || row["Recovery Point ARN"] != point || row["Job Status"] != "COMPLETED" {
		t.Errorf("restore job report row = %v", row)
	}
	// One row per control that judged something; the restore was quick, the resource is in no plan.
	if _, err := e.c.CreateReportPlan(ctx, &backup.CreateReportPlanInput{ReportPlanName: aws.String("controls"),
		ReportDeliveryChannel: &types.ReportDeliveryChannel{S3BucketName: aws.String("reports"), Formats: []string{"CSV"}},
		ReportSetting:         &types.ReportSetting{ReportTemplate: aws.String("CONTROL_COMPLIANCE_REPORT"), FrameworkArns: []string{aws.ToString(fw.FrameworkArn)}}}); err != nil {
		t.Fatal(err)
	}
	started, err := e.c.StartReportJob(ctx, &backup.StartReportJobInput{ReportPlanName: aws.String("controls")})
	if err != nil {
		t.Fatal(err)
	}
	job := e.waitReport(t, aws.ToString(started.ReportJobId))
	body, err := os.ReadFile(filepath.Join(out, "reports", job.ReportDestination.S3Keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	csvRows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(csvRows) != 3 {
		t.Fatalf("control report = %q, %v", body, err)
	}
	status := map[string]string{}
	for _, r := range csvRows[1:] {
		status[r[6]] = r[7] // Control Name, Control Compliance Status
	}
	if status["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"] != "NON_COMPLIANT" || status["RESTORE_TIME_FOR_RESOURCES_MEET_TARGET"] != "COMPLIANT" {
		t.Errorf("control report statuses = %v", status)
	}
}
