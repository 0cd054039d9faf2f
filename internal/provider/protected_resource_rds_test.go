package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/jackc/pgx/v5"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/rds/pgtest"
)

func pgValue(url, q string) (string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var v string
	err = conn.QueryRow(ctx, q).Scan(&v)
	return v, err
}

func pgRun(t *testing.T, url string, stmts ...string) {
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

// A PostgreSQL database registered as an RDS resource is backed up and restored into a new
// database named by DBInstanceIdentifier, all from Terraform, and the configuration plans clean.
func TestAccProtectedResource_rdsDatabaseBacksUpAndRestoresToANewIdentifier(t *testing.T) {
	pg := pgtest.Start(t)
	pgRun(t, pg.URL, `CREATE DATABASE orders`)
	pgRun(t, pg.DatabaseURL("orders"), `CREATE TABLE items (id int PRIMARY KEY, name text)`,
		`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g`)
	env := newTestAccEnv(t)
	config := env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "db" {
  type = "RDS"
  url  = %q
  tags = { Backup = "true" }
}

resource "backup_vault" "primary" {
  name = "prod-primary-vault"
}

resource "backup_recovery_point" "now" {
  vault_name   = backup_vault.primary.name
  resource_arn = backup_protected_resource.db.arn
}

data "backup_recovery_point" "now" {
  vault_name         = backup_vault.primary.name
  recovery_point_arn = backup_recovery_point.now.arn
}

resource "backup_restore_job" "copy" {
  recovery_point_arn = backup_recovery_point.now.arn
  metadata = merge(data.backup_recovery_point.now.restore_metadata, {
    DBInstanceIdentifier = "orders-restored"
  })
}
`, pg.DatabaseURL("orders"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_protected_resource.db", tfjsonpath.New("arn"),
						knownvalue.StringExact("arn:aws:rds:us-east-1:"+env.AccountID()+":db:orders")),
					statecheck.ExpectKnownValue("backup_protected_resource.db", tfjsonpath.New("path"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("resource_type"), knownvalue.StringExact("RDS")),
					statecheck.ExpectKnownValue("data.backup_recovery_point.now", tfjsonpath.New("restore_metadata").AtMapKey("DBInstanceIdentifier"), knownvalue.StringExact("orders")),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("created_resource_arn"),
						knownvalue.StringExact("arn:aws:rds:us-east-1:"+env.AccountID()+":db:orders-restored")),
				},
				Check: func(*terraform.State) error {
					got, err := pgValue(pg.DatabaseURL("orders-restored"), `SELECT count(*) || ':' || md5(string_agg(name, ',' ORDER BY id)) FROM items`)
					if err != nil {
						return err
					}
					want, err := pgValue(pg.DatabaseURL("orders"), `SELECT count(*) || ':' || md5(string_agg(name, ',' ORDER BY id)) FROM items`)
					if err != nil {
						return err
					}
					if got != want {
						return fmt.Errorf("restored database %s, original %s", got, want)
					}
					return nil
				},
			},
			{
				ResourceName:      "backup_protected_resource.db",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

func TestAccProtectedResource_locatorMustMatchTheType(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      env.ProviderConfig() + "resource \"backup_protected_resource\" \"x\" {\n  type = \"RDS\"\n  path = \"/srv\"\n}\n",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing url.*located by url: set it.*Unexpected path`),
			},
			{
				Config:      env.ProviderConfig() + "resource \"backup_protected_resource\" \"x\" {\n  type = \"EFS\"\n}\n",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`A resource of type EFS is located by path`),
			},
		},
	})
}
