# The global settings are imported with the ID "global" (or the account ID).
terraform import backup_global_settings.this global
