# Terraform 1.14 or later: `terraform query`. The selections of one restore testing plan.
list "backup_restore_testing_selection" "weekly" {
  provider = backup

  config {
    restore_testing_plan_name = "weekly_restore_tests" # unset: the selections of every plan
  }
}
