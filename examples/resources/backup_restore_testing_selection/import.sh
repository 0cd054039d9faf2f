# A restore testing selection is imported as SELECTION_NAME:PLAN_NAME, as in the AWS provider.
terraform import backup_restore_testing_selection.efs_prod efs_prod:weekly_restore_tests
