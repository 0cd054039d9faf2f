# A recovery point is imported by its ARN (every vault of the region is searched) ...
terraform import backup_recovery_point.before_release arn:aws:backup:us-east-1:123456789012:recovery-point:01932d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e
# ... or, faster, by VAULT_NAME|RECOVERY_POINT_ARN.
terraform import backup_recovery_point.before_release 'prod-primary-vault|arn:aws:backup:us-east-1:123456789012:recovery-point:01932d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e'
