# Test helper: moves the engine's fake clock, then reads the restore tests a plan ran.
terraform {
  required_providers {
    backup = {
      source = "strongroom/backup"
    }
  }
}

variable "advance" {
  description = "How far to move the clock in this run, e.g. 4d or 31d."
  type        = string
}

variable "run" {
  description = "A name for the run: a new name moves the clock again even when advance is unchanged."
  type        = string
}

variable "restore_testing_plan_arn" {
  description = "The restore testing plan whose tests to read (an output of the setup run)."
  type        = string
}

resource "backup_engine_clock" "this" {
  advance  = var.advance
  triggers = { run = var.run }
}

data "backup_restore_jobs" "tests" {
  restore_testing_plan_arn = var.restore_testing_plan_arn
  depends_on               = [backup_engine_clock.this]
}

output "now" {
  value = backup_engine_clock.this.now
}

# Files left in scratch directories beside the protected ones: restore tests restore there, and
# must delete what they restored.
output "scratch_files_left" {
  value      = fileset("${path.module}/../fixtures", "restore-test-*/**")
  depends_on = [backup_engine_clock.this]
}
