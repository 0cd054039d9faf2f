# Terraform 1.14 or later: `terraform query` lists what the engine (or AWS Backup) holds.
# `terraform query -generate-config-out=found.tf` also writes an import block and the
# configuration of each result.
list "backup_vault" "all" {
  provider = backup
}

list "backup_plan" "all" {
  provider = backup
}

# Selections of one plan; without config, those of every plan.
list "backup_selection" "daily" {
  provider = backup

  config {
    plan_id = "8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41"
  }
}

# Recovery points of one vault, with their attributes.
list "backup_recovery_point" "primary" {
  provider         = backup
  include_resource = true

  config {
    vault_name = "prod-primary-vault"
  }
}
