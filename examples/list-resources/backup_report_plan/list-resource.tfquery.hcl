# Terraform 1.14 or later: `terraform query`. Every Backup Audit Manager report plan.
list "backup_report_plan" "all" {
  provider = backup
}
