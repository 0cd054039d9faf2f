# Proving compliance on a fake clock. Run it with a fresh engine data dir whose config.json
# delivers reports to a directory (see the guide), e.g.
#   export BACKUP_ENGINE_DATA_DIR=$(mktemp -d) REPORTS=$(mktemp -d)
#   echo "{\"reports\": {\"directory\": \"$REPORTS\"}}" > $BACKUP_ENGINE_DATA_DIR/config.json
#   terraform test -var report_dir=$REPORTS
provider "backup" {
  fake_clock = "2025-03-03T12:00:00Z" # a Monday, noon UTC
}

variables {
  directories = {
    web = { path = "tests/fixtures/web", backup = true }
    api = { path = "tests/fixtures/api", backup = true }
  }
}

# Apply the module: both directories are tagged, so the plan's selection covers both.
run "setup" {}

# A day later: the framework finds everything compliant, and the first daily report is there.
run "first_day" {
  module {
    source = "./tests/audit"
  }
  variables {
    run            = "first_day"
    advance        = "24h"
    framework_name = run.setup.framework_name
  }
  assert {
    condition     = data.backup_framework_compliance.audit.compliance_status == "COMPLIANT"
    error_message = "Not compliant: ${join(", ", data.backup_framework_compliance.audit.non_compliant_resource_arns)}"
  }
}

# Someone untags the api directory: no plan selects it any more.
run "drift" {
  variables {
    directories = {
      web = { path = "tests/fixtures/web", backup = true }
      api = { path = "tests/fixtures/api", backup = false }
    }
  }
}

# The next day the framework names it, and so does the next report.
run "second_day" {
  module {
    source = "./tests/audit"
  }
  variables {
    run            = "second_day"
    advance        = "24h"
    framework_name = run.setup.framework_name
    watched_arn    = run.drift.protected_arns["api"]
  }
  assert {
    condition     = data.backup_framework_compliance.audit.compliance_status == "NON_COMPLIANT"
    error_message = "The untagged directory should make the framework non-compliant."
  }
  assert {
    condition     = length(data.backup_framework_compliance.audit.non_compliant_resource_arns) == 1 && contains(data.backup_framework_compliance.audit.non_compliant_resource_arns, var.watched_arn)
    error_message = "Only the untagged directory should be out of compliance, not ${join(", ", data.backup_framework_compliance.audit.non_compliant_resource_arns)}."
  }
}

# The reports, read from the bucket (files are read at plan time, so after the day's run): the
# second day's report names the api directory NON_COMPLIANT; the first day's did not.
run "the_reports_show_it" {
  command = plan
  module {
    source = "./tests/audit"
  }
  variables {
    run            = "second_day"
    advance        = "24h"
    framework_name = run.setup.framework_name
    watched_arn    = run.drift.protected_arns["api"]
  }
  assert {
    condition     = output.report_count == 2
    error_message = "Expected one report per day, found ${output.report_count}."
  }
  assert {
    condition     = strcontains(output.latest_report, var.watched_arn) && strcontains(output.latest_report, "NON_COMPLIANT")
    error_message = "The latest report should name the untagged directory NON_COMPLIANT:\n${output.latest_report}"
  }
}
