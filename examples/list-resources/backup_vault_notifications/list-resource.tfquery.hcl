# Terraform 1.14 or later: `terraform query`. The notifications of every vault that has them.
list "backup_vault_notifications" "all" {
  provider = backup
}
