# Copies into the DR vault that failed in the last day, e.g. to alert on them.
data "backup_copy_jobs" "failed_dr_copies" {
  state                 = "FAILED"
  destination_vault_arn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:dr-vault"
  created_after         = timeadd(plantimestamp(), "-24h")
}

output "failed_dr_copies" {
  value = [for j in data.backup_copy_jobs.failed_dr_copies.copy_jobs : "${j.copy_job_id}: ${j.status_message}"]
}
