# Refuse copies into other accounts' vaults. The flags not named here keep their values.
resource "backup_global_settings" "this" {
  global_settings = {
    isCrossAccountBackupEnabled = "false"
  }
}
