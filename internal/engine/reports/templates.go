// Package reports renders Backup Audit Manager reports: the rows of each report template, their
// columns, CSV and JSON encodings, and the S3 key layout AWS documents. It is pure: the caller
// gives it the rows' sources (jobs, compliance results) and delivers the bytes.
//
// Columns and layout follow the AWS Backup Developer Guide, "Report content"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/report-content.html, linked from
// "Creating report plans") and the API reference's S3KeyPrefix: "the prefix is this part of the
// following path: s3://your-bucket-name/prefix/Backup/us-west-2/year/month/day/report-name".
package reports

// Report templates (ReportSetting.ReportTemplate).
const (
	BackupJobReport          = "BACKUP_JOB_REPORT"
	CopyJobReport            = "COPY_JOB_REPORT"
	RestoreJobReport         = "RESTORE_JOB_REPORT"
	ResourceComplianceReport = "RESOURCE_COMPLIANCE_REPORT"
	ControlComplianceReport  = "CONTROL_COMPLIANCE_REPORT"
	// ScanJobReport is in the model, but the engine runs no malware scans.
	ScanJobReport = "SCAN_JOB_REPORT"
)

// Templates are the templates the engine renders.
var Templates = []string{BackupJobReport, CopyJobReport, RestoreJobReport, ResourceComplianceReport, ControlComplianceReport}

// Formats (ReportDeliveryChannel.Formats).
const (
	CSV  = "CSV"
	JSON = "JSON"
)

// IsCompliance reports whether template reports on frameworks (and so needs FrameworkArns).
func IsCompliance(template string) bool {
	return template == ResourceComplianceReport || template == ControlComplianceReport
}
