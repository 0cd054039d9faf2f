data "backup_vault" "primary" {
  name = "prod-primary-vault"
}

output "primary_vault_arn" {
  value = data.backup_vault.primary.arn
}
