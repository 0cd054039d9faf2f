# In a test configuration on a fake clock (provider "backup" { fake_clock = "..." }): move the
# clock past the nightly rule's 02:00, then read what the schedule did.
resource "backup_engine_clock" "next_night" {
  advance    = "25h"
  depends_on = [backup_selection.all_tagged]
}

data "backup_backup_jobs" "last_night" {
  state      = "COMPLETED"
  depends_on = [backup_engine_clock.next_night]
}

output "backed_up" {
  value = [for j in data.backup_backup_jobs.last_night.backup_jobs : j.resource_arn]
}
