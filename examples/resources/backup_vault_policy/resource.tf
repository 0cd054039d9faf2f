resource "backup_vault" "primary" {
  name = "prod-primary-vault"
}

# Nobody may delete recovery points or shorten their lifecycle, except the backup admin role.
resource "backup_vault_policy" "primary" {
  backup_vault_name = backup_vault.primary.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid          = "ProtectRecoveryPoints"
      Effect       = "Deny"
      NotPrincipal = { AWS = "arn:aws:iam::123456789012:role/backup-admin" }
      Action       = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"]
      Resource     = "*"
    }]
  })
}
