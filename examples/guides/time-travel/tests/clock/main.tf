# Test helper: moves the engine's fake clock, then reads what the schedule did.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "advance" {
  description = "How far to move the clock in this run, e.g. 25h or 400d."
  type        = string
}

variable "run" {
  description = "A name for the run: a new name moves the clock again even when advance is unchanged."
  type        = string
}

variable "vault_name" {
  type = string
}

variable "excluded_arn" {
  description = "A resource the run's assertions expect no backup job for (an output of an earlier run)."
  type        = string
  default     = null
}

resource "backup_engine_clock" "this" {
  advance  = var.advance
  triggers = { run = var.run }
}

data "backup_backup_jobs" "completed" {
  state      = "COMPLETED"
  depends_on = [backup_engine_clock.this]
}

data "backup_backup_jobs" "all" {
  depends_on = [backup_engine_clock.this]
}

data "backup_recovery_points" "vault" {
  vault_name = var.vault_name
  depends_on = [backup_engine_clock.this]
}

output "now" {
  value = backup_engine_clock.this.now
}
