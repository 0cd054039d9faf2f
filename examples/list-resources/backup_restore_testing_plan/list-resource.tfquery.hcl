# Terraform 1.14 or later: `terraform query`. Every restore testing plan.
list "backup_restore_testing_plan" "all" {
  provider = backup
}
