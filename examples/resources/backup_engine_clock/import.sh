# There is one engine clock; importing records its current time.
terraform import backup_engine_clock.this engine-clock
