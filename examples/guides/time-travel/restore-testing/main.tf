# A module under test: nightly backups of some directories, and a restore test every Sunday that
# restores the latest backup of each into a scratch directory, checks every file against the
# backup, and deletes the copy.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "vault_name" {
  type = string
}

variable "directories" {
  description = "Directories to protect, by name."
  type        = map(string)
}

resource "backup_vault" "this" {
  name          = var.vault_name
  force_destroy = true
}

resource "backup_protected_resource" "dir" {
  for_each = var.directories

  type = "EFS"
  path = abspath(each.value)
  tags = { Name = each.key }
}

resource "backup_plan" "nightly" {
  name = "${var.vault_name}-nightly"

  rule {
    rule_name         = "nightly"
    target_vault_name = backup_vault.this.name
    schedule          = "cron(0 2 * * ? *)" # 02:00 UTC
    start_window      = 60
    completion_window = 180

    lifecycle {
      delete_after = 14
    }
  }
}

resource "backup_selection" "dirs" {
  name         = "dirs"
  plan_id      = backup_plan.nightly.id
  iam_role_arn = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
  resources    = [for d in backup_protected_resource.dir : d.arn]
}

# Sundays at 06:00 UTC, restore the newest backup of the last week.
resource "backup_restore_testing_plan" "weekly" {
  name                = "weekly_restore_tests"
  schedule_expression = "cron(0 6 ? * SUN *)"
  start_window_hours  = 1

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = [backup_vault.this.arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = 7
  }
}

# Every protected directory; the engine checks each restored file's hash against the backup
# (its built-in validation), then deletes the copy.
resource "backup_restore_testing_selection" "dirs" {
  name                      = "dirs"
  restore_testing_plan_name = backup_restore_testing_plan.weekly.name
  protected_resource_type   = "EFS"
  iam_role_arn              = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
  protected_resource_arns   = ["*"]
  validation_window_hours   = 1

  restore_metadata_overrides = {
    "engine:validation" = "builtin"
  }
}

output "restore_testing_plan_arn" {
  value = backup_restore_testing_plan.weekly.arn
}
