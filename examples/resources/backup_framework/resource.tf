resource "backup_framework" "audit" {
  name        = "prod_backup_controls"
  description = "What the auditors check every quarter"

  control {
    name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
    scope {
      compliance_resource_types = ["EFS", "RDS"]
    }
  }

  # Parameters left out take their defaults: at least daily, kept at least 35 days.
  control {
    name = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
  }

  control {
    name = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
    input_parameter {
      name  = "requiredRetentionDays"
      value = "30"
    }
  }

  control {
    name = "BACKUP_LAST_RECOVERY_POINT_CREATED"
    input_parameter {
      name  = "recoveryPointAgeUnit"
      value = "hours"
    }
    input_parameter {
      name  = "recoveryPointAgeValue"
      value = "25"
    }
    scope {
      tags = { Backup = "true" }
    }
  }

  tags = { team = "platform" }
}
