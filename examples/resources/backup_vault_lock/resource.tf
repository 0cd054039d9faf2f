resource "backup_vault" "records" {
  name = "financial-records"
}

# Compliance mode: changeable (in place) for 3 days, then immutable. Backup and copy jobs into
# the vault must keep points between 7 days and 7 years.
resource "backup_vault_lock" "records" {
  backup_vault_name   = backup_vault.records.name
  min_retention_days  = 7
  max_retention_days  = 2555
  changeable_for_days = 3
}

resource "backup_vault" "scratch" {
  name = "scratch"
}

# Governance mode (no changeable_for_days): can be changed or removed at any time.
resource "backup_vault_lock" "scratch" {
  backup_vault_name  = backup_vault.scratch.name
  max_retention_days = 35
}
