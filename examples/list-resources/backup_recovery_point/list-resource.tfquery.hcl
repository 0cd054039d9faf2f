# Terraform 1.14 or later: `terraform query`. The recovery points in one vault, with their
# attributes (include_resource).
list "backup_recovery_point" "primary" {
  provider = backup

  include_resource = true

  config {
    vault_name = "prod-primary-vault" # unset: the points of every vault
  }
}
