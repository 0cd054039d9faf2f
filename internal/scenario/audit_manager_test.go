package scenario

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// auditPlan is a daily plan that keeps its points 35 days: what the framework's plan control
// asks for by default.
const auditPlan = `{
  "BackupPlanName": "audited-daily",
  "Rules": [{
    "RuleName": "Daily",
    "TargetBackupVaultName": "audited-vault",
    "ScheduleExpression": "cron(0 2 * * ? *)",
    "Lifecycle": { "DeleteAfterDays": 35 }
  }]
}`

// auditFramework has four controls; BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN judges EFS only.
const auditFramework = `[
  {"ControlName": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "ControlScope": {"ComplianceResourceTypes": ["EFS"]}},
  {"ControlName": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK", "ControlInputParameters": [
     {"ParameterName": "requiredFrequencyUnit", "ParameterValue": "hours"},
     {"ParameterName": "requiredFrequencyValue", "ParameterValue": "24"}]},
  {"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"},
  {"ControlName": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", "ControlInputParameters": [
     {"ParameterName": "requiredRetentionDays", "ParameterValue": "30"}]}
]`

// complianceScript reads a framework's per-control results from the engine's extension endpoint,
// signing the request with botocore as boto3 signs AWS Backup calls, and drives one AWS Backup
// call through boto3 (DescribeFramework). It prints "CONTROL RESOURCE STATUS" lines.
const complianceScript = `
import json, os, sys, boto3, botocore.auth, botocore.awsrequest, urllib.request
session = boto3.session.Session()
client = session.client("backup", endpoint_url=os.environ["ENDPOINT"], region_name=os.environ["AWS_REGION"])
fw = client.describe_framework(FrameworkName=sys.argv[1])
print("framework", fw["FrameworkStatus"], fw["DeploymentStatus"], len(fw["FrameworkControls"]))
url = os.environ["ENDPOINT"] + "/_engine/v1/frameworks/" + sys.argv[1] + "/compliance"
req = botocore.awsrequest.AWSRequest(method="GET", url=url)
botocore.auth.SigV4Auth(session.get_credentials(), "backup", os.environ["AWS_REGION"]).add_auth(req)
with urllib.request.urlopen(urllib.request.Request(url, headers=dict(req.headers))) as r:
    out = json.load(r)
print("overall", out["ComplianceStatus"])
for res in out["Results"]:
    print(res["ControlName"], res["ResourceArn"], res["ComplianceStatus"])
`

// The Backup Audit Manager story with the AWS CLI (and boto3) against `engine serve`
// on the fake clock, delivering reports to versitygw: a framework of four controls over three
// directories, two of them in a plan's selection and one not; the per-control results say so; a
// report job writes a CSV to the bucket whose rows say so too; the third directory is added to
// the plan; a day later the plan's daily report finds every resource compliant.
func TestAWSCLI_auditManagerFrameworkAndDailyReportToS3(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	srv := s3test.Start(t)
	srv.CreateBucket(t, "audit-reports")
	// The engine signs with the profile its operator names, from its own AWS config files.
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[reports]\naws_access_key_id = "+srv.AccessKey+"\naws_secret_access_key = "+srv.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := strings.TrimPrefix(writeFile(t, "engine-config.json", `{"reports": {"s3": {"endpoint": "`+srv.Endpoint+`", "region": "us-east-1", "profile": "reports"}}}`), "file://")
	d := startDaemonWith(t, func(c *exec.Cmd) {
		c.Env = append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_CONFIG_FILE=/dev/null")
	}, "--fake-clock", "2024-01-16T12:00:00Z", "--config", cfg)

	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "audited-vault")
	arns := map[string]string{}
	for i, name := range []string{"web", "db", "scratch"} {
		dir := filepath.Join(t.TempDir(), name)
		enginetest.WriteTree(t, dir, uint64(i+1))
		arns[name] = d.registerDir(t, dir, "Name="+name)
	}
	plan := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", auditPlan))
	planID := plan["BackupPlanId"].(string)
	d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", planID, "--backup-selection",
		writeFile(t, "selection.json", `{"SelectionName": "web-and-db", "IamRoleArn": "arn:aws:iam::111122223333:role/backup",
		  "Resources": ["`+arns["web"]+`", "`+arns["db"]+`"]}`))

	fw := d.mustAWS(t, region, "backup", "create-framework", "--framework-name", "auditors", "--framework-controls", writeFile(t, "controls.json", auditFramework))
	fwARN := fw["FrameworkArn"].(string)

	results := func() map[string]string {
		t.Helper()
		cmd := exec.Command("python3", "-c", complianceScript, "auditors")
		cmd.Env = append(d.clientEnv(t, region), "ENDPOINT="+d.Endpoint, "AWS_REGION="+region)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("boto3: %v\n%s", err, out)
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			got[f[0]+" "+f[1]] = strings.Join(f[2:], " ")
		}
		return got
	}
	got := results()
	if got["framework ACTIVE"] != "COMPLETED 4" || got["overall NON_COMPLIANT"] != "" {
		t.Errorf("boto3 DescribeFramework and the overall status: %v", got)
	}
	for name, want := range map[string]string{"web": "COMPLIANT", "db": "COMPLIANT", "scratch": "NON_COMPLIANT"} {
		if g := got["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns[name]]; g != want {
			t.Errorf("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN on %s = %q, want %s (all: %v)", name, g, want, got)
		}
	}
	if g := got["BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK "+plan["BackupPlanArn"].(string)]; g != "COMPLIANT" {
		t.Errorf("the daily 35-day plan: %q (all: %v)", g, got)
	}

	d.mustAWS(t, region, "backup", "create-report-plan", "--report-plan-name", "daily_compliance",
		"--report-delivery-channel", `{"S3BucketName": "audit-reports", "S3KeyPrefix": "auditors", "Formats": ["CSV"]}`,
		"--report-setting", `{"ReportTemplate": "RESOURCE_COMPLIANCE_REPORT", "FrameworkArns": ["`+fwARN+`"]}`)
	job := d.mustAWS(t, region, "backup", "start-report-job", "--report-plan-name", "daily_compliance")
	rows := d.reportRows(t, srv, job["ReportJobId"].(string), "auditors/Backup/us-east-1/2024/01/16/daily_compliance_RESOURCE_COMPLIANCE_REPORT_")
	if rows["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns["scratch"]] != "NON_COMPLIANT" ||
		rows["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns["web"]] != "COMPLIANT" || rows["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns["db"]] != "COMPLIANT" {
		t.Errorf("the first report's rows: %v", rows)
	}

	// The fix: scratch joins the plan. A day later (02:00 backups on the way), the plan's daily
	// report finds all three compliant, and the points the backups made encrypted and kept 35 days.
	d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", planID, "--backup-selection",
		writeFile(t, "selection2.json", `{"SelectionName": "scratch", "IamRoleArn": "arn:aws:iam::111122223333:role/backup", "Resources": ["`+arns["scratch"]+`"]}`))
	d.clock(t, "advance", "24h")
	jobs := d.mustAWS(t, region, "backup", "list-report-jobs", "--by-report-plan-name", "daily_compliance")
	list := jobs["ReportJobs"].([]any)
	if len(list) != 2 {
		t.Fatalf("after a day, list-report-jobs = %v, want the on-demand job and the daily one", jobs)
	}
	daily := obj(list[1])
	rows = d.reportRows(t, srv, daily["ReportJobId"].(string), "auditors/Backup/us-east-1/2024/01/17/daily_compliance_RESOURCE_COMPLIANCE_REPORT_")
	for name := range arns {
		if rows["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns[name]] != "COMPLIANT" {
			t.Errorf("the next day's report: %s is %q, want COMPLIANT (rows %v)", name, rows["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns[name]], rows)
		}
	}
	points := 0
	for k, v := range rows {
		if strings.HasPrefix(k, "BACKUP_RECOVERY_POINT_ENCRYPTED ") {
			points++
			if v != "COMPLIANT" || rows["BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK "+strings.Fields(k)[1]] != "COMPLIANT" {
				t.Errorf("recovery point %s: encrypted %s, retention %s", k, v, rows["BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK "+strings.Fields(k)[1]])
			}
		}
	}
	if points != 3 {
		t.Errorf("the next day's report judges %d recovery points, want the 3 of the 02:00 backups: %v", points, rows)
	}
	if g := results()["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN "+arns["scratch"]]; g != "COMPLIANT" {
		t.Errorf("scratch after the fix, from the compliance endpoint: %q", g)
	}
	plans := d.mustAWS(t, region, "backup", "describe-report-plan", "--report-plan-name", "daily_compliance")
	if rp := obj(plans["ReportPlan"]); rp["LastSuccessfulExecutionTime"] == nil || rp["DeploymentStatus"] != "COMPLETED" {
		t.Errorf("describe-report-plan after two runs: %v", rp)
	}
}

// reportRows waits for report job id to finish, checks it COMPLETED with one key under
// keyPrefix, downloads that CSV from the bucket with s3api and returns "CONTROL RESOURCE" →
// compliance status.
func (d *daemon) reportRows(t *testing.T, srv *s3test.Server, id, keyPrefix string) map[string]string {
	t.Helper()
	var job map[string]any
	deadline := time.Now().Add(jobWait)
	for {
		job = obj(d.mustAWS(t, "us-east-1", "backup", "describe-report-job", "--report-job-id", id)["ReportJob"])
		if s := job["Status"]; s != "CREATED" && s != "RUNNING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("report job %s still %v after %v", id, job["Status"], jobWait)
		}
		time.Sleep(200 * time.Millisecond)
	}
	dest := obj(job["ReportDestination"])
	keys := list(dest["S3Keys"])
	if job["Status"] != "COMPLETED" || dest["S3BucketName"] != "audit-reports" || len(keys) != 1 || !strings.HasPrefix(keys[0].(string), keyPrefix) || !strings.HasSuffix(keys[0].(string), ".csv") {
		t.Fatalf("describe-report-job = %v, want COMPLETED with one CSV key under %s\ndaemon log:\n%s", job, keyPrefix, d.Logs())
	}
	file := filepath.Join(t.TempDir(), "report.csv")
	s3api(t, srv, "get-object", "--bucket", "audit-reports", "--key", keys[0].(string), file)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("the report is not CSV: %v", err)
	}
	col := map[string]int{}
	for i, c := range records[0] {
		col[c] = i
	}
	rows := map[string]string{}
	for _, r := range records[1:] {
		if r[col["Account ID"]] == "" || r[col["Framework Name"]] != "auditors" {
			t.Errorf("report row %v lacks its account or framework", r)
		}
		rows[r[col["Control Name"]]+" "+r[col["Resource ARN"]]] = r[col["Resource Compliance Status"]]
	}
	return rows
}
