# A report plan is imported by its name.
terraform import backup_report_plan.compliance daily_control_compliance
