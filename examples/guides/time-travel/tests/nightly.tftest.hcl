# terraform test with a fake clock: run it with a fresh engine data dir, e.g.
#   BACKUP_ENGINE_DATA_DIR=$(mktemp -d) terraform test
provider "backup" {
  fake_clock = "2025-01-01T12:00:00Z" # a Wednesday, noon UTC
}

variables {
  vault_name     = "prod"
  retention_days = 7
  directories = {
    web     = { path = "tests/fixtures/web", backup = true }
    api     = { path = "tests/fixtures/api", backup = true }
    scratch = { path = "tests/fixtures/scratch", backup = false }
  }
}

# Apply the module under test: vault, plan, selection, protected directories.
run "setup" {}

# 01:00 the next day: the 02:00 rule has not fired yet.
run "before_the_first_night" {
  module {
    source = "./tests/clock"
  }
  variables {
    run     = "before_the_first_night"
    advance = "13h"
  }
  assert {
    condition     = length(data.backup_backup_jobs.all.backup_jobs) == 0
    error_message = "Nothing should run before 02:00."
  }
}

# 03:00: the two directories tagged Backup=true were backed up at 02:00; scratch was not.
run "after_the_first_night" {
  module {
    source = "./tests/clock"
  }
  variables {
    run     = "after_the_first_night"
    advance = "2h"
    # Another run's output reaches the assertions through a variable: OpenTofu does not allow
    # run.* inside assert, and Terraform accepts it either way.
    excluded_arn = run.setup.protected_arns["scratch"]
  }
  assert {
    condition     = length(data.backup_backup_jobs.completed.backup_jobs) == 2
    error_message = "Expected one completed backup per tagged directory."
  }
  assert {
    condition     = alltrue([for j in data.backup_backup_jobs.completed.backup_jobs : j.creation_date == "2025-01-02T02:00:00Z"])
    error_message = "The backups should have started at the rule's time, 02:00 UTC."
  }
  assert {
    condition     = !contains([for j in data.backup_backup_jobs.all.backup_jobs : j.resource_arn], var.excluded_arn)
    error_message = "The untagged directory must not be backed up."
  }
}

# Thirty nights later the vault holds exactly retention_days nights of backups.
run "a_month_later" {
  module {
    source = "./tests/clock"
  }
  variables {
    run     = "a_month_later"
    advance = "30d"
  }
  assert {
    condition     = length(data.backup_backup_jobs.completed.backup_jobs) == 2 * 31
    error_message = "Every night should have backed up both directories."
  }
  assert {
    condition     = length(data.backup_recovery_points.vault.recovery_points) == 2 * var.retention_days
    error_message = "Recovery points older than retention_days should have been deleted."
  }
}
