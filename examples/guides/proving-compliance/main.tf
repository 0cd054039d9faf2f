# The module under audit: nightly backups of every protected directory tagged Backup=true, kept
# 35 days; a framework of controls over them; a daily compliance report to a bucket.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "directories" {
  description = "Directories to protect, by name, with their Backup tag."
  type = map(object({
    path   = string
    backup = bool
  }))
}

variable "report_bucket" {
  description = "The bucket the daily compliance report goes to."
  type        = string
  default     = "audit-reports"
}

resource "backup_vault" "this" {
  name          = "audited"
  force_destroy = true
}

resource "backup_protected_resource" "dir" {
  for_each = var.directories

  type = "EFS"
  path = abspath(each.value.path)
  tags = { Name = each.key, Backup = tostring(each.value.backup) }
}

resource "backup_plan" "nightly" {
  name = "nightly"

  rule {
    rule_name         = "nightly"
    target_vault_name = backup_vault.this.name
    schedule          = "cron(0 2 * * ? *)"

    lifecycle {
      delete_after = 35
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

# What the auditor asks for: every directory is in a backup plan, and every plan backs up at
# least daily and keeps its backups at least 35 days (the control's defaults).
resource "backup_framework" "audit" {
  name        = "directories_are_protected"
  description = "Every directory is backed up daily and kept 35 days"

  control {
    name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
    scope {
      compliance_resource_types = ["EFS"]
    }
  }

  control {
    name = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
  }
}

# Every day, each resource's verdict per control, to the bucket.
resource "backup_report_plan" "daily" {
  name = "daily_resource_compliance"

  report_delivery_channel {
    s3_bucket_name = var.report_bucket
    s3_key_prefix  = "audit"
    formats        = ["CSV"]
  }

  report_setting {
    report_template = "RESOURCE_COMPLIANCE_REPORT"
    framework_arns  = [backup_framework.audit.arn]
  }
}

output "framework_name" {
  value = backup_framework.audit.name
}

output "protected_arns" {
  value = { for k, r in backup_protected_resource.dir : k => r.arn }
}
