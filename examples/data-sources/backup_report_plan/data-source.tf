data "backup_report_plan" "compliance" {
  name = "daily_control_compliance"
}

output "report_bucket" {
  value = data.backup_report_plan.compliance.report_delivery_channel[0].s3_bucket_name
}
