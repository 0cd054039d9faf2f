# Locked in compliance mode from its creation: recovery points copied here stay for at least
# 7 days and at most 35, and nobody can delete them by hand.
resource "backup_logically_air_gapped_vault" "isolated" {
  name               = "isolated-copies"
  min_retention_days = 7
  max_retention_days = 35

  tags = {
    tier = "disaster-recovery"
  }
}
