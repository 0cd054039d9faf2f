# A protected resource is imported by its ARN (`terraform-provider-backup engine resource list` shows them).
terraform import backup_protected_resource.app_data arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0
