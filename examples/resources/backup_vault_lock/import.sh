# A vault lock is imported by its vault's name. A compliance lock keeps its changeable_for_days,
# so the import plans no changes.
terraform import backup_vault_lock.records financial-records
