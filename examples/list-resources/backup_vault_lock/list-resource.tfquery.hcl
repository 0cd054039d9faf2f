# Terraform 1.14 or later: `terraform query`. The lock of every locked vault.
list "backup_vault_lock" "all" {
  provider = backup
}
