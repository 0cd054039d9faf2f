package provider

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// timeTravelConfig is the pattern module authors copy (templates/guides/time-travel.md.tmpl): an
// embedded engine on a fake clock, a plan and its selection, tagged protected resources, the
// clock moved by backup_engine_clock, and the outcome read by data sources that depend on it.
func timeTravelConfig(dataDir string, dirs map[string]string, scratch, advance, extra string) string {
	return fmt.Sprintf(`
provider "backup" {
  data_dir   = %q
  fake_clock = "2024-01-16T12:00:00Z"
}

resource "backup_vault" "prod" {
  name          = "prod"
  force_destroy = true # the schedule filled it with recovery points
}

resource "backup_protected_resource" "web" {
  type = "EFS"
  path = %q
  tags = { Backup = "true" }
}

resource "backup_protected_resource" "api" {
  type = "EFS"
  path = %q
  tags = { Backup = "true" }
}

resource "backup_protected_resource" "db" {
  type = "EFS"
  path = %q
  tags = { Backup = "true" }
}

resource "backup_protected_resource" "scratch" {
  type = "EFS"
  path = %q
  tags = { Backup = "false" }
}

resource "backup_plan" "nightly" {
  name = "nightly"

  rule {
    rule_name         = "daily"
    target_vault_name = backup_vault.prod.name
    schedule          = "cron(0 2 * * ? *)"
    start_window      = 60
    completion_window = 180

    lifecycle {
      delete_after = 7
    }
  }
}

resource "backup_selection" "tagged" {
  name         = "tagged"
  plan_id      = backup_plan.nightly.id
  iam_role_arn = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

  selection_tag {
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }
}

resource "backup_engine_clock" "t" {
  advance    = %q
  depends_on = [
    backup_selection.tagged,
    backup_protected_resource.web,
    backup_protected_resource.api,
    backup_protected_resource.db,
    backup_protected_resource.scratch,
  ]
}

data "backup_backup_jobs" "completed" {
  state      = "COMPLETED"
  depends_on = [backup_engine_clock.t]
}

data "backup_backup_jobs" "scratch" {
  resource_arn = backup_protected_resource.scratch.arn
  depends_on   = [backup_engine_clock.t]
}

data "backup_recovery_points" "prod" {
  vault_name = backup_vault.prod.name
  depends_on = [backup_engine_clock.t]
}
%s`, dataDir, dirs["web"], dirs["api"], dirs["db"], scratch, advance, extra)
}

func TestAccEngineClock_timeTravelRunsTheScheduleAndTheLifecycle(t *testing.T) {
	dataDir := t.TempDir()
	dirs := map[string]string{}
	for i, name := range []string{"web", "api", "db"} {
		dirs[name] = filepath.Join(t.TempDir(), name)
		enginetest.WriteTree(t, dirs[name], uint64(20+i))
	}
	scratch := filepath.Join(t.TempDir(), "scratch")
	enginetest.WriteTree(t, scratch, 30)
	restored := filepath.Join(t.TempDir(), "restored")
	restore := fmt.Sprintf(`
data "backup_recovery_point" "newest" {
  vault_name         = backup_vault.prod.name
  recovery_point_arn = data.backup_recovery_points.prod.arns[length(data.backup_recovery_points.prod.arns) - 1]
}

resource "backup_restore_job" "newest" {
  recovery_point_arn = data.backup_recovery_point.newest.recovery_point_arn
  metadata = merge(data.backup_recovery_point.newest.restore_metadata, {
    "destination-path" = %q
  })
}

data "backup_restore_jobs" "done" {
  status     = "COMPLETED"
  depends_on = [backup_restore_job.newest]
}
`, restored)
	efsOnly := knownvalue.StringExact("EFS")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Past 02:00 on the 17th: the three tagged resources were backed up at 02:00.
				Config: timeTravelConfig(dataDir, dirs, scratch, "15h", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_engine_clock.t", tfjsonpath.New("now"), knownvalue.StringExact("2024-01-17T03:00:00Z")),
					statecheck.ExpectKnownValue("data.backup_backup_jobs.completed", tfjsonpath.New("backup_jobs"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.backup_backup_jobs.completed", tfjsonpath.New("backup_jobs").AtSliceIndex(0).AtMapKey("creation_date"),
						knownvalue.StringExact("2024-01-17T02:00:00Z")),
					statecheck.ExpectKnownValue("data.backup_backup_jobs.completed", tfjsonpath.New("backup_jobs").AtSliceIndex(0).AtMapKey("resource_type"), efsOnly),
					statecheck.ExpectKnownValue("data.backup_backup_jobs.scratch", tfjsonpath.New("backup_jobs"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.backup_recovery_points.prod", tfjsonpath.New("recovery_points"), knownvalue.ListSizeExact(3)),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.backup_backup_jobs.completed", "backup_jobs.0.backup_plan_id", "backup_plan.nightly", "id"),
					resource.TestCheckResourceAttr("backup_engine_clock.t", "steps", "1"),
				),
			},
			{
				// Ten days on: 11 nights were backed up, and the points older than 7 days deleted.
				Config: timeTravelConfig(dataDir, dirs, scratch, "10d", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_engine_clock.t", tfjsonpath.New("now"), knownvalue.StringExact("2024-01-27T03:00:00Z")),
					statecheck.ExpectKnownValue("data.backup_backup_jobs.completed", tfjsonpath.New("backup_jobs"), knownvalue.ListSizeExact(33)),
					statecheck.ExpectKnownValue("data.backup_recovery_points.prod", tfjsonpath.New("recovery_points"), knownvalue.ListSizeExact(21)),
					statecheck.ExpectKnownValue("data.backup_recovery_points.prod", tfjsonpath.New("recovery_points").AtSliceIndex(0).AtMapKey("creation_date"),
						knownvalue.StringExact("2024-01-21T02:00:00Z")),
				},
			},
			{
				// A restore of the newest point, found by backup_restore_jobs.
				Config: timeTravelConfig(dataDir, dirs, scratch, "10d", restore),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_restore_job.newest", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("data.backup_restore_jobs.done", tfjsonpath.New("restore_jobs"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.backup_restore_jobs.done", tfjsonpath.New("restore_jobs").AtSliceIndex(0).AtMapKey("resource_type"), efsOnly),
				},
				Check: resource.TestCheckResourceAttrPair("data.backup_restore_jobs.done", "restore_jobs.0.restore_job_id", "backup_restore_job.newest", "id"),
			},
			{
				ResourceName:            "backup_engine_clock.t",
				ImportState:             true,
				ImportStateId:           "engine-clock",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"advance", "steps"},
			},
		},
	})
}

func TestAccEngineClock_failsClearlyOnAWallClockEngine(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_engine_clock" "t" {
  advance = "24h"
}
`,
			ExpectError: regexp.MustCompile(`(?s)runs on the wall clock.*fake_clock`),
		}},
	})
}

func TestAccEngineClock_failsAtPlanAgainstAWS(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "example")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "backup" {
  endpoint = "aws"
  region   = "us-east-1"
}

resource "backup_engine_clock" "t" {
  advance = "24h"
}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)clock of AWS Backup cannot be moved.*Remove this resource`),
		}},
	})
}

func TestAccEngineClock_refusesBadDurationsAndBothSettings(t *testing.T) {
	env := newTestAccEnv(t)
	for _, tc := range []struct{ body, want string }{
		{`advance = "soon"`, `not a duration`},
		{"advance = \"1h\"\n  time = \"2030-01-01T00:00:00Z\"", `(?s)Attribute "time" cannot be specified when "advance" is specified`},
		{`time = "tomorrow"`, `not an RFC 3339`},
	} {
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      env.ProviderConfig() + "resource \"backup_engine_clock\" \"t\" {\n  " + tc.body + "\n}\n",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			}},
		})
	}
}

func TestAccProvider_fakeClockNeedsTheEmbeddedEngine(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "backup" {
  endpoint   = "http://127.0.0.1:9191"
  fake_clock = "2024-01-01T00:00:00Z"
}

data "backup_backup_jobs" "all" {}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`fake_clock applies only to the embedded engine`),
		}},
	})
}
