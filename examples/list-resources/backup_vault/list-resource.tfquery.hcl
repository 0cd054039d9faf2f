# Terraform 1.14 or later: `terraform query`. Every backup vault; with
# `terraform query -generate-config-out=vaults.tf`, an import block and the configuration of each.
list "backup_vault" "all" {
  provider = backup
}
