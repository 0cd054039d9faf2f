data "backup_restore_testing_plan" "weekly" {
  name = "weekly_restore_tests"
}

output "last_restore_test" {
  value = data.backup_restore_testing_plan.weekly.last_execution_time
}
