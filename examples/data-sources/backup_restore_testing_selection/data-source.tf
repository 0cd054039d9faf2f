data "backup_restore_testing_selection" "efs_prod" {
  name                      = "efs_prod"
  restore_testing_plan_name = "weekly_restore_tests"
}

output "tested_type" {
  value = data.backup_restore_testing_selection.efs_prod.protected_resource_type
}
