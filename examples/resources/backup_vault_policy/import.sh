# A vault access policy is imported by its vault's name.
terraform import backup_vault_policy.primary prod-primary-vault
