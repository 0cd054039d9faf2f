# A vault's notification configuration is imported by the vault's name.
terraform import backup_vault_notifications.primary prod-primary-vault
