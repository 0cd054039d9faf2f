# The guide's selection: every resource tagged Backup=true.
resource "backup_selection" "all_tagged" {
  name         = "all-tagged-resources"
  plan_id      = backup_plan.prod.id
  iam_role_arn = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

  selection_tag {
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }
}

# Every EFS file system except scratch ones, if it is production and not a test stage.
# Resources and selection_tag add up (OR); every condition entry must hold (AND).
resource "backup_selection" "efs_prod" {
  name          = "efs-prod"
  plan_id       = backup_plan.prod.id
  iam_role_arn  = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
  resources     = ["arn:aws:elasticfilesystem:*:*:file-system/*"]
  not_resources = ["arn:aws:elasticfilesystem:*:*:file-system/fs-scratch*"]

  condition {
    string_equals {
      key   = "aws:ResourceTag/env"
      value = "prod"
    }
  }

  condition {
    string_not_like {
      key   = "aws:ResourceTag/stage"
      value = "test*"
    }
  }
}
