# A restore testing plan is imported by its name.
terraform import backup_restore_testing_plan.weekly weekly_restore_tests
