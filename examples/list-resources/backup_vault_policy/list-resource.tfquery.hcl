# Terraform 1.14 or later: `terraform query`. The access policy of every vault that has one.
list "backup_vault_policy" "all" {
  provider = backup
}
