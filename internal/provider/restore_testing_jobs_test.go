package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// restoreTestsConfig backs dir up nightly and restore-tests it on Sundays at 06:00 UTC, leaving
// the verdict to an external validator within two hours; a second plan tests it with the
// engine's own validation on Saturdays. The clock moves by advance, again whenever run changes.
func restoreTestsConfig(env *testAccEnv, dir, advance, run string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "v" {
  name          = "prod"
  force_destroy = true
}

resource "backup_protected_resource" "dir" {
  type = "EFS"
  path = %[1]q
}

resource "backup_plan" "nightly" {
  name = "nightly"
  rule {
    rule_name         = "nightly"
    target_vault_name = backup_vault.v.name
    schedule          = "cron(0 2 * * ? *)"
    start_window      = 60
    completion_window = 180
  }
}

resource "backup_selection" "dir" {
  name         = "dir"
  plan_id      = backup_plan.nightly.id
  iam_role_arn = %[2]q
  resources    = [backup_protected_resource.dir.arn]
}

resource "backup_restore_testing_plan" "sundays" {
  name                = "sundays"
  schedule_expression = "cron(0 6 ? * SUN *)"
  start_window_hours  = 1
  recovery_point_selection {
    algorithm            = "LATEST_WITHIN_WINDOW"
    include_vaults       = [backup_vault.v.arn]
    recovery_point_types = ["SNAPSHOT"]
  }
}

resource "backup_restore_testing_selection" "sundays" {
  name                      = "dir"
  restore_testing_plan_name = backup_restore_testing_plan.sundays.name
  protected_resource_type   = "EFS"
  iam_role_arn              = %[2]q
  protected_resource_arns   = [backup_protected_resource.dir.arn]
  validation_window_hours   = 2
}

resource "backup_restore_testing_plan" "saturdays" {
  name                = "saturdays"
  schedule_expression = "cron(0 6 ? * SAT *)"
  start_window_hours  = 1
  recovery_point_selection {
    algorithm            = "LATEST_WITHIN_WINDOW"
    include_vaults       = ["*"]
    recovery_point_types = ["SNAPSHOT"]
  }
}

resource "backup_restore_testing_selection" "saturdays" {
  name                       = "dir"
  restore_testing_plan_name  = backup_restore_testing_plan.saturdays.name
  protected_resource_type    = "EFS"
  iam_role_arn               = %[2]q
  protected_resource_arns    = ["*"]
  restore_metadata_overrides = { "engine:validation" = "builtin" }
}

resource "backup_engine_clock" "t" {
  advance    = %[3]q
  triggers   = { run = %[4]q }
  depends_on = [backup_selection.dir, backup_restore_testing_selection.sundays, backup_restore_testing_selection.saturdays]
}

data "backup_restore_jobs" "sundays" {
  restore_testing_plan_arn = backup_restore_testing_plan.sundays.arn
  depends_on               = [backup_engine_clock.t]
}

data "backup_restore_jobs" "all" {
  depends_on = [backup_engine_clock.t]
}
`, dir, testRoleARN, advance, run)
}

// backup_restore_jobs with restore_testing_plan_arn lists that plan's restore tests only, each
// with its plan's ARN, the verdict of its validation and the state of its cleanup: validating
// while the window is open, then what the validator reported with PutRestoreValidationResult, or
// TIMED_OUT when it reported nothing; the copy deleted either way.
func TestAccRestoreJobs_aRestoreTestingPlansTestsShowTheirValidationAndCleanup(t *testing.T) {
	env := newTestAccEnvWithClock(t, clock.NewFake(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))) // a Wednesday
	dir := filepath.Join(t.TempDir(), "app")
	enginetest.WriteTree(t, dir, 7)
	sundays := "data.backup_restore_jobs.sundays"
	job := func(attr string) tfjsonpath.Path {
		return tfjsonpath.New("restore_jobs").AtSliceIndex(0).AtMapKey(attr)
	}
	planARN := regexp.MustCompile(`^arn:aws:backup:us-east-1:` + env.AccountID() + `:restore-testing-plan:sundays-`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Sunday 06:00: the test restored the latest backup beside the directory, and its window
				// is open: no verdict yet, nothing deleted. Saturday's test (the other plan) is not listed.
				Config: restoreTestsConfig(env, dir, "90h", "first"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(sundays, tfjsonpath.New("restore_jobs"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.backup_restore_jobs.all", tfjsonpath.New("restore_jobs"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(sundays, job("restore_testing_plan_arn"), knownvalue.StringRegexp(planARN)),
					statecheck.ExpectKnownValue(sundays, job("status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue(sundays, job("validation_status"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(sundays, job("deletion_status"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(sundays, job("creation_date"), knownvalue.StringExact("2025-01-05T06:00:00Z")),
				},
				Check: checkScratchCopies(filepath.Dir(dir), 1),
			},
			{
				// The validator reports; at 07:00 the copy is gone.
				PreConfig: func() {
					validateRestoreTests(t, env, "SUCCESSFUL", "every checksum matches")
				},
				Config: restoreTestsConfig(env, dir, "1h", "reported"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(sundays, job("validation_status"), knownvalue.StringExact("SUCCESSFUL")),
					statecheck.ExpectKnownValue(sundays, job("validation_status_message"), knownvalue.StringExact("every checksum matches")),
					statecheck.ExpectKnownValue(sundays, job("deletion_status"), knownvalue.StringExact("SUCCESSFUL")),
				},
				Check: checkScratchCopies(filepath.Dir(dir), 0),
			},
			{
				// Sunday 12 January, 08:00: nobody reported on the 06:00 test and its two hours are over: it
				// timed out, and its copy was deleted too.
				Config: restoreTestsConfig(env, dir, "7d1h", "unreported"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(sundays, tfjsonpath.New("restore_jobs"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(sundays, tfjsonpath.New("restore_jobs").AtSliceIndex(1).AtMapKey("validation_status"), knownvalue.StringExact("TIMED_OUT")),
					statecheck.ExpectKnownValue(sundays, tfjsonpath.New("restore_jobs").AtSliceIndex(1).AtMapKey("deletion_status"), knownvalue.StringExact("SUCCESSFUL")),
				},
				Check: checkScratchCopies(filepath.Dir(dir), 0),
			},
		},
	})
}

// validateRestoreTests reports status for every test of the Sundays plan that has no verdict yet,
// as an external validator does.
func validateRestoreTests(t *testing.T, env *testAccEnv, status, message string) {
	t.Helper()
	ctx := context.Background()
	out, err := env.Client.ListRestoreJobs(ctx, &backup.ListRestoreJobsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range out.RestoreJobs {
		if j.ValidationStatus != "" || j.CreatedBy == nil || !strings.Contains(aws.ToString(j.CreatedBy.RestoreTestingPlanArn), ":restore-testing-plan:sundays-") {
			continue
		}
		if _, err := env.Client.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{
			RestoreJobId: j.RestoreJobId, ValidationStatus: backuptypes.RestoreValidationStatus(status), ValidationStatusMessage: aws.String(message),
		}); err != nil {
			t.Fatalf("PutRestoreValidationResult for %s: %v", aws.ToString(j.RestoreJobId), err)
		}
	}
}

// checkScratchCopies checks that parent holds want restore test copies (restore-test-*
// directories, which EFS restore tests restore beside the tested directory).
func checkScratchCopies(parent string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := filepath.Glob(filepath.Join(parent, "restore-test-*"))
		if err != nil {
			return err
		}
		if len(got) != want {
			return fmt.Errorf("%s holds restore test copies %v, want %d", parent, got, want)
		}
		return nil
	}
}
