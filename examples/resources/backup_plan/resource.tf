# The production plan of the AWS Backup guide: nightly backups kept a year (cold after 30 days)
# and copied to a DR vault in another region, plus weekly backups kept five years.
resource "backup_vault" "primary" {
  name = "prod-primary-vault"
}

resource "backup_plan" "prod" {
  name = "prod-daily-backup-plan"

  rule {
    rule_name         = "DailyToUsEast1"
    target_vault_name = backup_vault.primary.name
    schedule          = "cron(0 2 * * ? *)" # 02:00 UTC daily
    start_window      = 60
    completion_window = 180

    lifecycle {
      cold_storage_after = 30
      delete_after       = 365
    }

    copy_action {
      destination_vault_arn = "arn:aws:backup:eu-west-1:210987654321:backup-vault:dr-vault"

      lifecycle {
        delete_after = 90
      }
    }
  }

  rule {
    rule_name         = "WeeklyToUsEast1"
    target_vault_name = backup_vault.primary.name
    schedule          = "cron(0 3 ? * SUN *)" # Sundays 03:00 UTC

    lifecycle {
      delete_after = 1825 # 5 years
    }
  }

  tags = {
    env = "prod"
  }
}

# Continuous backups for point-in-time restore: no schedule needed, kept at most 35 days.
resource "backup_plan" "pitr" {
  name = "databases-pitr"

  rule {
    rule_name                    = "continuous"
    target_vault_name            = backup_vault.primary.name
    enable_continuous_backup     = true
    schedule_expression_timezone = "Europe/Paris"

    lifecycle {
      delete_after = 35
    }

    recovery_point_tags = {
      source = "pitr"
    }
  }
}
