# A plan is imported by its ID.
terraform import backup_plan.prod 8b5e2c1a-4f0d-4d7e-9a63-2f1c0b9e7d41
