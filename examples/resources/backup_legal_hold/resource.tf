resource "backup_vault" "ledger" {
  name = "ledger-backups"
}

# Hold the ledger's recovery points of the first quarter: while the hold is active they cannot be
# deleted (not by hand, not by force_destroy, not by their lifecycle) nor have their retention
# shortened. Only points that exist when the hold is created are held.
resource "backup_legal_hold" "matter_2024_17" {
  title       = "Matter 2024-17"
  description = "SEC inquiry 2024-17: preserve the Q1 ledger backups"

  recovery_point_selection = {
    vault_names = [backup_vault.ledger.name]
    date_range = {
      from_date = "2024-01-01T00:00:00Z"
      to_date   = "2024-03-31T23:59:59Z"
    }
  }

  # Destroying this resource cancels (releases) the hold; AWS Backup records this reason on it and
  # keeps the record for retain_record_in_days.
  cancel_description    = "Matter 2024-17 closed; hold released on counsel's instruction"
  retain_record_in_days = 365

  tags = {
    matter = "2024-17"
  }
}
