# Terraform 1.14 or later: `terraform query`. Every backup plan.
list "backup_plan" "all" {
  provider = backup
}
