resource "backup_report_plan" "compliance" {
  name        = "daily_control_compliance"
  description = "Every control's verdict, every day"

  report_delivery_channel {
    s3_bucket_name = "audit-reports"
    s3_key_prefix  = "backup"
    formats        = ["CSV", "JSON"]
  }

  report_setting {
    report_template = "CONTROL_COMPLIANCE_REPORT"
    framework_arns  = [backup_framework.audit.arn]
  }
}

resource "backup_report_plan" "jobs" {
  name = "daily_backup_jobs"

  report_delivery_channel {
    s3_bucket_name = "audit-reports"
  }

  report_setting {
    report_template = "BACKUP_JOB_REPORT"
  }
}
