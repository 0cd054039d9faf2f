package scenario

import (
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds/pgtest"
)

// Restore testing with the AWS CLI against `engine serve` on the fake clock and a real
// PostgreSQL: a weekly plan restores the latest point of a database into a scratch database
// every Sunday. The first week the engine validates it with the selection's query; the second an
// external validator answers through put-restore-validation-result; the third nobody answers and
// the test times out. Every scratch database is dropped, and the original is never touched.
func TestAWSCLI_weeklyRestoreTestsOfAPostgresDatabase(t *testing.T) {
	parallel(t)
	pg := pgtest.Start(t)
	pgExec(t, pg.URL, `CREATE DATABASE shop`)
	shop := pg.DatabaseURL("shop")
	pgExec(t, shop, `CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL)`,
		`INSERT INTO orders (customer) SELECT 'customer-' || g FROM generate_series(1, 500) g`)
	scratchDatabases := func() string {
		t.Helper()
		return pgQuery(t, pg.URL, `SELECT count(*)::text FROM pg_database WHERE datname LIKE 'restore-test-%'`)
	}

	d := startDaemon(t, "--fake-clock", "2024-01-16T12:00:00Z") // a Tuesday
	const region = "us-east-1"
	aws := func(args ...string) map[string]any {
		t.Helper()
		return d.mustAWS(t, region, append([]string{"backup"}, args...)...)
	}
	reg := d.engineAs(t, region, "resource", "register", "--endpoint", d.Endpoint, "--type", "RDS", "--url", shop)
	if reg.Code != 0 {
		t.Fatalf("engine resource register --type RDS: exit %d: %s", reg.Code, reg.Stderr)
	}
	dbARN := strings.TrimSpace(reg.Stdout)
	aws("create-backup-vault", "--backup-vault-name", "shop-vault")
	started := aws("start-backup-job", "--backup-vault-name", "shop-vault", "--resource-arn", dbARN, "--iam-role-arn", defaultRole)
	if job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string)); job["State"] != "COMPLETED" {
		t.Fatalf("backup: %v", job)
	}
	point := obj(list(aws("list-recovery-points-by-backup-vault", "--backup-vault-name", "shop-vault")["RecoveryPoints"])[0])["RecoveryPointArn"].(string)
	inferred := obj(aws("get-restore-testing-inferred-metadata", "--backup-vault-name", "shop-vault", "--recovery-point-arn", point)["InferredMetadata"])
	if id, _ := inferred["DBInstanceIdentifier"].(string); !strings.HasPrefix(id, "restore-test-") {
		t.Errorf("inferred metadata %v: the DBInstanceIdentifier must be a scratch database, never shop", inferred)
	}

	plan := aws("create-restore-testing-plan", "--restore-testing-plan", toJSON(map[string]any{
		"RestoreTestingPlanName": "weekly_shop", "ScheduleExpression": "cron(0 3 ? * SUN *)", "StartWindowHours": 1,
		"RecoveryPointSelection": map[string]any{"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": []string{"*"},
			"RecoveryPointTypes": []string{"SNAPSHOT"}, "SelectionWindowDays": 30}}))
	planARN := plan["RestoreTestingPlanArn"].(string)
	aws("create-restore-testing-selection", "--restore-testing-plan-name", "weekly_shop", "--restore-testing-selection", toJSON(map[string]any{
		"RestoreTestingSelectionName": "shop_db", "ProtectedResourceType": "RDS", "IamRoleArn": defaultRole, "ProtectedResourceArns": []string{dbARN},
		"RestoreMetadataOverrides": map[string]string{"engine:validation": "builtin", "engine:validation-query": "SELECT count(*) FROM orders",
			"engine:validation-min-row-count": "500"}}))
	tests := func() []map[string]any {
		t.Helper()
		var out []map[string]any
		for _, j := range list(aws("list-restore-jobs", "--by-restore-testing-plan-arn", planARN)["RestoreJobs"]) {
			out = append(out, obj(j))
		}
		return out
	}

	// Week 1: the Sunday run restores the latest point and the built-in query validates it.
	d.clock(t, "advance", "5d")
	week := tests()
	if len(week) != 1 {
		t.Fatalf("after the first Sunday: %d restore tests", len(week))
	}
	first := week[0]
	if first["Status"] != "COMPLETED" || first["ValidationStatus"] != "SUCCESSFUL" || first["DeletionStatus"] != "SUCCESSFUL" ||
		!strings.Contains(first["ValidationStatusMessage"].(string), "answered 500") || obj(first["CreatedBy"])["RestoreTestingPlanArn"] != planARN ||
		first["RecoveryPointArn"] != point {
		t.Fatalf("week 1: %v", first)
	}
	if n := scratchDatabases(); n != "0" {
		t.Fatalf("week 1: %s scratch databases left", n)
	}

	// Week 2: an external validator. The scratch database lives through the validation window.
	aws("update-restore-testing-selection", "--restore-testing-plan-name", "weekly_shop", "--restore-testing-selection-name", "shop_db",
		"--restore-testing-selection", toJSON(map[string]any{"RestoreMetadataOverrides": map[string]string{}, "ValidationWindowHours": 6}))
	d.clock(t, "advance", "6d15h30m") // Sunday 03:30
	week = tests()
	if len(week) != 2 || week[1]["Status"] != "COMPLETED" || week[1]["ValidationStatus"] != nil {
		t.Fatalf("week 2 before the validator answers: %v", week)
	}
	if n := scratchDatabases(); n != "1" {
		t.Fatalf("week 2: %s scratch databases during the validation window, want 1", n)
	}
	second := week[1]["RestoreJobId"].(string)
	aws("put-restore-validation-result", "--restore-job-id", second, "--validation-status", "SUCCESSFUL", "--validation-status-message", "orders reconcile")
	d.clock(t, "advance", "1m")
	if j := aws("describe-restore-job", "--restore-job-id", second); j["ValidationStatus"] != "SUCCESSFUL" || j["ValidationStatusMessage"] != "orders reconcile" ||
		j["DeletionStatus"] != "SUCCESSFUL" {
		t.Fatalf("week 2 after the validator: %v", j)
	}
	if n := scratchDatabases(); n != "0" {
		t.Fatalf("week 2: %s scratch databases after the result", n)
	}

	// Week 3: nobody answers; at the end of the 6-hour window the test is TIMED_OUT.
	d.clock(t, "advance", "7d6h")
	week = tests()
	if len(week) != 3 || week[2]["ValidationStatus"] != "TIMED_OUT" || week[2]["DeletionStatus"] != "SUCCESSFUL" {
		t.Fatalf("week 3: %v", week)
	}
	if n := scratchDatabases(); n != "0" {
		t.Fatalf("%s scratch databases after three weeks, want none", n)
	}
	if got := pgQuery(t, shop, `SELECT count(*)::text FROM orders`); got != "500" {
		t.Errorf("the original database has %s orders, want its 500", got)
	}
	// FOURTEEN_DAYS counts the prior 14 days (Sunday 09:31 back to the Sunday before last): the
	// tests of weeks 2 and 3.
	summaries := list(aws("list-restore-job-summaries", "--state", "COMPLETED", "--resource-type", "RDS", "--aggregation-period", "FOURTEEN_DAYS")["RestoreJobSummaries"])
	if len(summaries) != 1 || obj(summaries[0])["Count"] != float64(2) {
		t.Errorf("list-restore-job-summaries over 14 days = %v; want the two restore tests of weeks 2 and 3", summaries)
	}

	// The rest of the model through the CLI: read, list, change, and delete in order.
	got := obj(aws("get-restore-testing-plan", "--restore-testing-plan-name", "weekly_shop")["RestoreTestingPlan"])
	if got["RestoreTestingPlanArn"] != planARN || got["StartWindowHours"] != float64(1) || epoch(got["LastExecutionTime"]).IsZero() {
		t.Errorf("get-restore-testing-plan = %v", got)
	}
	aws("update-restore-testing-plan", "--restore-testing-plan-name", "weekly_shop", "--restore-testing-plan", toJSON(map[string]any{
		"ScheduleExpression": "cron(0 4 ? * SAT *)", "ScheduleExpressionTimezone": "Europe/Berlin"}))
	if plans := list(aws("list-restore-testing-plans")["RestoreTestingPlans"]); len(plans) != 1 || obj(plans[0])["ScheduleExpression"] != "cron(0 4 ? * SAT *)" ||
		obj(plans[0])["ScheduleExpressionTimezone"] != "Europe/Berlin" {
		t.Errorf("list-restore-testing-plans after the update = %v", plans)
	}
	sel := obj(aws("get-restore-testing-selection", "--restore-testing-plan-name", "weekly_shop", "--restore-testing-selection-name", "shop_db")["RestoreTestingSelection"])
	if sel["ValidationWindowHours"] != float64(6) || sel["ProtectedResourceType"] != "RDS" {
		t.Errorf("get-restore-testing-selection = %v", sel)
	}
	if sels := list(aws("list-restore-testing-selections", "--restore-testing-plan-name", "weekly_shop")["RestoreTestingSelections"]); len(sels) != 1 {
		t.Errorf("list-restore-testing-selections = %v", sels)
	}
	if r := d.aws(t, region, "backup", "delete-restore-testing-plan", "--restore-testing-plan-name", "weekly_shop"); r.Code == 0 || !strings.Contains(r.Stderr, "InvalidRequestException") {
		t.Errorf("delete-restore-testing-plan with a selection: exit %d, %s", r.Code, r.Stderr)
	}
	aws("delete-restore-testing-selection", "--restore-testing-plan-name", "weekly_shop", "--restore-testing-selection-name", "shop_db")
	aws("delete-restore-testing-plan", "--restore-testing-plan-name", "weekly_shop")
	if plans := list(aws("list-restore-testing-plans")["RestoreTestingPlans"]); len(plans) != 0 {
		t.Errorf("plans after delete-restore-testing-plan: %v", plans)
	}
}
