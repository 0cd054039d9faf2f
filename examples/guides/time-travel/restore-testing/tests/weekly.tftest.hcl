# terraform test with a fake clock: run it with a fresh engine data dir, e.g.
#   BACKUP_ENGINE_DATA_DIR=$(mktemp -d) terraform test
provider "backup" {
  fake_clock = "2025-01-01T12:00:00Z" # a Wednesday, noon UTC
}

variables {
  vault_name = "prod"
  directories = {
    web     = "tests/fixtures/web"
    reports = "tests/fixtures/reports"
  }
}

# Apply the module under test: vault, nightly plan, restore testing plan and selection.
run "setup" {}

# Sunday 5 January, noon: the first restore test ran at 06:00 and restored Sunday's 02:00 backup
# of each directory.
run "after_the_first_sunday" {
  module {
    source = "./tests/clock"
  }
  variables {
    run                      = "after_the_first_sunday"
    advance                  = "4d"
    restore_testing_plan_arn = run.setup.restore_testing_plan_arn
  }
  assert {
    condition     = length(data.backup_restore_jobs.tests.restore_jobs) == 2
    error_message = "Expected one restore test per directory on the first Sunday."
  }
  assert {
    condition = alltrue([for j in data.backup_restore_jobs.tests.restore_jobs :
    j.creation_date == "2025-01-05T06:00:00Z" && j.recovery_point_creation_date == "2025-01-05T02:00:00Z"])
    error_message = "The test should have started at 06:00 and restored the latest backup, Sunday's 02:00."
  }
}

# A month of Sundays later: every restore test restored, validated and was cleaned up.
run "a_month_later" {
  module {
    source = "./tests/clock"
  }
  variables {
    run                      = "a_month_later"
    advance                  = "28d"
    restore_testing_plan_arn = run.setup.restore_testing_plan_arn
  }
  assert {
    condition     = length(data.backup_restore_jobs.tests.restore_jobs) == 2 * 5
    error_message = "Expected a restore test of each directory on each of the five Sundays."
  }
  assert {
    condition     = alltrue([for j in data.backup_restore_jobs.tests.restore_jobs : j.status == "COMPLETED"])
    error_message = "Every restore should have completed."
  }
  assert {
    condition     = alltrue([for j in data.backup_restore_jobs.tests.restore_jobs : j.validation_status == "SUCCESSFUL"])
    error_message = "Every restored copy should have matched its backup."
  }
  assert {
    condition     = alltrue([for j in data.backup_restore_jobs.tests.restore_jobs : j.deletion_status == "SUCCESSFUL"])
    error_message = "Every restored copy should have been deleted."
  }
  assert {
    condition     = length(output.scratch_files_left) == 0
    error_message = "A restored copy was left behind."
  }
}
