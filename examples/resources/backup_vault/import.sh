# A vault is imported by its name.
terraform import backup_vault.primary prod-primary-vault
