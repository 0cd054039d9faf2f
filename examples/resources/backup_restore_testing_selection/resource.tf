# Every protected directory tagged Environment=prod, restored into a scratch directory and
# checked file by file against its recovery point by the engine (its built-in validation).
resource "backup_restore_testing_selection" "efs_prod" {
  name                      = "efs_prod"
  restore_testing_plan_name = backup_restore_testing_plan.weekly.name
  protected_resource_type   = "EFS"
  iam_role_arn              = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
  protected_resource_arns   = ["*"]
  validation_window_hours   = 2

  protected_resource_conditions {
    string_equals {
      key   = "Environment"
      value = "prod"
    }
  }

  restore_metadata_overrides = {
    "engine:validation" = "builtin"
  }
}

# One PostgreSQL database, restored into a new database where a query must find its orders.
resource "backup_restore_testing_selection" "orders_db" {
  name                      = "orders_db"
  restore_testing_plan_name = backup_restore_testing_plan.weekly.name
  protected_resource_type   = "RDS"
  iam_role_arn              = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
  protected_resource_arns   = [backup_protected_resource.orders.arn]

  restore_metadata_overrides = {
    "engine:validation"               = "builtin"
    "engine:validation-query"         = "SELECT count(*) FROM orders"
    "engine:validation-min-row-count" = "1"
  }
}
