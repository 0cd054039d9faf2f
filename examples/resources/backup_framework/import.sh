# A framework is imported by its name.
terraform import backup_framework.audit prod_backup_controls
