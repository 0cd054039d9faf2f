# Terraform 1.14 or later: `terraform query`. Every logically air-gapped vault.
list "backup_logically_air_gapped_vault" "all" {
  provider = backup
}
