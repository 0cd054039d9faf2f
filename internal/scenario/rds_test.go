package scenario

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds/pgtest"
)

func pgExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func pgQuery(t *testing.T, url, q string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// The guide's RDS walkthrough (seed 000, steps 1–4) on a real PostgreSQL: back the database up,
// list the vault's RDS recovery points, read the restore metadata, start a restore job with the
// metadata and a NEW DBInstanceIdentifier, watch it until COMPLETED — and the new database holds
// what was backed up while the original is untouched. Reusing the original identifier fails, as on
// RDS.
func TestAWSCLI_rdsRestoreWalkthrough(t *testing.T) {
	parallel(t)
	pg := pgtest.Start(t)
	pgExec(t, pg.URL, `CREATE DATABASE "prod-mysql"`)
	prod := pg.DatabaseURL("prod-mysql")
	pgExec(t, prod,
		`CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2) NOT NULL)`,
		`INSERT INTO orders (customer, total) SELECT 'customer-' || g, g * 1.25 FROM generate_series(1, 500) g`)
	const fingerprint = `SELECT count(*) || ':' || sum(total) || ':' || md5(string_agg(customer, ',' ORDER BY id)) FROM orders`
	backedUp := pgQuery(t, prod, fingerprint)

	d := startDaemon(t)
	reg := d.engineAs(t, "us-east-1", "resource", "register", "--endpoint", d.Endpoint, "--type", "RDS", "--url", prod, "--tag", "Backup=true")
	if reg.Code != 0 {
		t.Fatalf("engine resource register --type RDS: exit %d: %s", reg.Code, reg.Stderr)
	}
	arn := strings.TrimSpace(reg.Stdout)
	if !strings.HasPrefix(arn, "arn:aws:rds:us-east-1:") || !strings.HasSuffix(arn, ":db:prod-mysql") {
		t.Fatalf("registered ARN %q, want arn:aws:rds:us-east-1:ACCOUNT:db:prod-mysql", arn)
	}
	if types := d.mustAWS(t, "us-east-1", "backup", "get-supported-resource-types"); !strings.Contains(toJSON(types["ResourceTypes"]), `"RDS"`) {
		t.Errorf("get-supported-resource-types = %v", types)
	}
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	started := d.mustAWS(t, "us-east-1", "backup", "start-backup-job", "--backup-vault-name", "prod-primary-vault",
		"--resource-arn", arn, "--iam-role-arn", defaultRole)
	job := d.waitJob(t, "State", backupPending, "backup", "describe-backup-job", "--backup-job-id", started["BackupJobId"].(string))
	if job["State"] != "COMPLETED" || job["ResourceType"] != "RDS" {
		t.Fatalf("describe-backup-job = %v", job)
	}
	// The database moves on after the backup.
	pgExec(t, prod, `DELETE FROM orders WHERE id % 2 = 0`)

	// STEP 1
	listed := d.mustAWS(t, "us-east-1", "backup", "list-recovery-points-by-backup-vault",
		"--backup-vault-name", "prod-primary-vault", "--by-resource-type", "RDS")
	points := list(listed["RecoveryPoints"])
	if len(points) != 1 || obj(points[0])["Status"] != "COMPLETED" {
		t.Fatalf("list-recovery-points-by-backup-vault --by-resource-type RDS = %v", listed)
	}
	rpARN := obj(points[0])["RecoveryPointArn"].(string)

	// STEP 2
	meta := obj(d.mustAWS(t, "us-east-1", "backup", "get-recovery-point-restore-metadata",
		"--backup-vault-name", "prod-primary-vault", "--recovery-point-arn", rpARN)["RestoreMetadata"])
	if meta["DBInstanceIdentifier"] != "prod-mysql" || meta["Engine"] != "postgres" || meta["DBName"] != "prod-mysql" {
		t.Fatalf("restore metadata = %v", meta)
	}

	// STEP 3: the original identifier is refused; a new one is accepted. The guide's extra RDS
	// settings ride along.
	meta["DBInstanceClass"] = "db.t3.medium"
	meta["MultiAZ"] = "false"
	same := d.aws(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "RDS", "--metadata", toJSON(meta))
	if same.Code == 0 || !strings.Contains(same.Stderr, "InvalidParameterValueException") || !strings.Contains(same.Stderr, "new identifier") {
		t.Errorf("restore with the original identifier: exit %d, %s", same.Code, same.Stderr)
	}
	meta["DBInstanceIdentifier"] = "prod-mysql-restored-20240117"
	rs := d.mustAWS(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "RDS", "--metadata", toJSON(meta))

	// STEP 4
	restore := d.waitJob(t, "Status", restorePending, "backup", "describe-restore-job", "--restore-job-id", rs["RestoreJobId"].(string))
	if restore["Status"] != "COMPLETED" {
		t.Fatalf("describe-restore-job = %v", restore)
	}
	if created, _ := restore["CreatedResourceArn"].(string); !strings.HasSuffix(created, ":db:prod-mysql-restored-20240117") {
		t.Errorf("CreatedResourceArn = %q", created)
	}
	if got := pgQuery(t, pg.DatabaseURL("prod-mysql-restored-20240117"), fingerprint); got != backedUp {
		t.Errorf("restored database %s, backed up %s", got, backedUp)
	}
	if got := pgQuery(t, prod, fingerprint); got == backedUp {
		t.Errorf("the original database was expected to keep its later changes")
	}
	// A second restore to the same new identifier fails up front: the database exists now.
	again := d.aws(t, "us-east-1", "backup", "start-restore-job", "--recovery-point-arn", rpARN, "--iam-role-arn", defaultRole,
		"--resource-type", "RDS", "--metadata", toJSON(meta))
	if again.Code == 0 || !strings.Contains(again.Stderr, "already exists") {
		t.Errorf("restore onto an existing identifier: exit %d, %s", again.Code, again.Stderr)
	}
}
