# Test helper: moves the engine's fake clock (the daily evaluation and report run on the way),
# then reads the framework's verdicts and the latest report the engine delivered.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "advance" {
  description = "How far to move the clock in this run, e.g. 24h."
  type        = string
}

variable "run" {
  description = "A name for the run: a new name moves the clock again even when advance is unchanged."
  type        = string
}

variable "framework_name" {
  type = string
}

variable "report_dir" {
  description = "reports.directory of the engine's config.json: reports land in DIR/BUCKET/KEY."
  type        = string
}

variable "report_bucket" {
  type    = string
  default = "audit-reports"
}

variable "watched_arn" {
  description = "A resource the run's assertions look for (an output of an earlier run)."
  type        = string
  default     = ""
}

resource "backup_engine_clock" "this" {
  advance  = var.advance
  triggers = { run = var.run }
}

data "backup_framework_compliance" "audit" {
  framework_name = var.framework_name
  depends_on     = [backup_engine_clock.this]
}

locals {
  # The reports delivered so far, oldest first (their keys end in the run's time). Files are
  # read when the configuration is planned, so a run sees the reports of the runs before it.
  reports = sort(fileset("${var.report_dir}/${var.report_bucket}", "audit/Backup/**/*.csv"))
}

output "report_count" {
  value = length(local.reports)
}

output "latest_report" {
  value = length(local.reports) == 0 ? "" : file("${var.report_dir}/${var.report_bucket}/${local.reports[length(local.reports) - 1]}")
}
