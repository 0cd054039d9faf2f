# The region settings are imported by the provider's region.
terraform import backup_region_settings.this us-east-1
