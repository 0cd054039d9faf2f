# Terraform 1.14 or later: `terraform query`. Every Backup Audit Manager framework.
list "backup_framework" "all" {
  provider = backup
}
