# A restore job is imported by its ID.
terraform import backup_restore_job.to_new_directory 01932D4E-5F6A-7B8C-9D0E-1F2A3B4C5D6E
