# Every Sunday at 01:00 Paris time, restore the newest recovery point of the last week from any
# prod vault, and check it.
resource "backup_restore_testing_plan" "weekly" {
  name                         = "weekly_restore_tests"
  schedule_expression          = "cron(0 1 ? * SUN *)"
  schedule_expression_timezone = "Europe/Paris"
  start_window_hours           = 4

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = ["arn:aws:backup:*:*:backup-vault:prod-*"]
    exclude_vaults        = ["arn:aws:backup:us-east-1:123456789012:backup-vault:prod-scratch"]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = 7
  }

  tags = {
    team = "platform"
  }
}
