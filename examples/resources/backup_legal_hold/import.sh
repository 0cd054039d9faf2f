# A legal hold is imported by its ID. Set cancel_description in the configuration and apply once
# before destroying it: destroying cancels the hold, which needs a reason.
terraform import backup_legal_hold.matter_2024_17 0192f5e4-7c1a-7d3e-9b1f-3c5a2e8d4f60
