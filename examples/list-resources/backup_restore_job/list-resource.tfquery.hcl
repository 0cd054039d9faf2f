# Terraform 1.14 or later: `terraform query`. Every restore job.
list "backup_restore_job" "all" {
  provider = backup
}
