# A module under test: nightly backups of every protected directory tagged Backup=true, kept
# retention_days days.
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
  description = "Directories to protect, by name, with their Backup tag."
  type = map(object({
    path   = string
    backup = bool
  }))
}

variable "retention_days" {
  type    = number
  default = 7
}

resource "backup_vault" "this" {
  name          = var.vault_name
  force_destroy = true
}

resource "backup_protected_resource" "dir" {
  for_each = var.directories

  type = "EFS"
  path = abspath(each.value.path)
  tags = { Name = each.key, Backup = tostring(each.value.backup) }
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
      delete_after = var.retention_days
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

output "vault_name" {
  value = backup_vault.this.name
}

output "protected_arns" {
  value = { for k, r in backup_protected_resource.dir : k => r.arn }
}
