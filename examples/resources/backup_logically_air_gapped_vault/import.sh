# A logically air-gapped vault is imported by its name.
terraform import backup_logically_air_gapped_vault.isolated isolated-copies
