package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

func frameworkConfig(env *testAccEnv, description, retentionDays string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_framework" "test" {
  name        = "audit_framework"
  description = %q

  control {
    name = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
    input_parameter {
      name  = "requiredRetentionDays"
      value = %q
    }
  }

  # No parameters: the engine fills in the defaults, which read back without a diff.
  control {
    name = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
  }

  control {
    name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
    scope {
      compliance_resource_types = ["EFS"]
    }
  }

  tags = { team = "audit" }
}
`, description, retentionDays)
}

// Create, read back with no diff (defaults filled in by the engine), import by name with the same
// state, update in place, and destroy.
func TestAccFramework_createImportUpdateDestroy(t *testing.T) {
	env := newTestAccEnv(t)
	controlName := func(i int) tfjsonpath.Path { return tfjsonpath.New("control").AtSliceIndex(i).AtMapKey("name") }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: frameworkConfig(env, "Backups an auditor can check", "14"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("id"), knownvalue.StringExact("audit_framework")),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("arn"),
						knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:backup:us-east-1:`+env.AccountID()+`:framework[:/]audit_framework-`))),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("deployment_status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectKnownValue("backup_framework.test", controlName(0), knownvalue.StringExact("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK")),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("control").AtSliceIndex(0).AtMapKey("input_parameter"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.ObjectExact(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("requiredRetentionDays"), "value": knownvalue.StringExact("14")})})),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("control").AtSliceIndex(1).AtMapKey("input_parameter"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("control").AtSliceIndex(2).AtMapKey("scope").AtSliceIndex(0).AtMapKey("compliance_resource_types"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("EFS")})),
					statecheck.ExpectKnownValue("backup_framework.test", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("audit")})),
				},
				Check: func(*terraform.State) error {
					out, err := awsbackup.FindFrameworkByName(context.Background(), env.Client, "audit_framework")
					if err != nil {
						return err
					}
					// The engine holds the defaults of the control written without parameters.
					if n := len(out.FrameworkControls[1].ControlInputParameters); n != 3 {
						return fmt.Errorf("the engine holds %d parameters of the plan frequency control, want its 3 defaults", n)
					}
					return nil
				},
			},
			{
				ResourceName: "backup_framework.test", ImportState: true, ImportStateId: "audit_framework", ImportStateVerify: true,
			},
			{
				ResourceName: "backup_framework.test", ImportState: true, ImportStateId: "audit_framework",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config: frameworkConfig(env, "Backups an auditor can check, kept a month", "30"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_framework.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					out, err := awsbackup.FindFrameworkByName(context.Background(), env.Client, "audit_framework")
					if err != nil {
						return err
					}
					if v := *out.FrameworkControls[0].ControlInputParameters[0].ParameterValue; v != "30" || *out.FrameworkDescription != "Backups an auditor can check, kept a month" {
						return fmt.Errorf("after the update the engine holds requiredRetentionDays %s, description %q", v, *out.FrameworkDescription)
					}
					return nil
				},
			},
			{
				Config: frameworkConfig(env, "Backups an auditor can check, kept a month", "30") + `
data "backup_framework" "test" {
  name = backup_framework.test.name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.backup_framework.test", tfjsonpath.New("arn"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("data.backup_framework.test", tfjsonpath.New("control"), knownvalue.ListSizeExact(3)),
					// The data source shows every parameter the engine holds, defaults included.
					statecheck.ExpectKnownValue("data.backup_framework.test", tfjsonpath.New("control").AtSliceIndex(1).AtMapKey("input_parameter"), knownvalue.ListSizeExact(3)),
					statecheck.ExpectKnownValue("data.backup_framework.test", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"team": knownvalue.StringExact("audit")})),
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := awsbackup.FindFrameworkByName(context.Background(), env.Client, "audit_framework")
			if awsbackup.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("framework still there (err %v)", err)
		},
	})
}

func TestAccFramework_invalidControlsAreCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	control := func(body string) string {
		return env.ProviderConfig() + `
resource "backup_framework" "test" {
  name = "bad_framework"
  control {
` + body + `
  }
}
`
	}
	for name, tc := range map[string]struct {
		config string
		want   *regexp.Regexp
	}{
		"unknown control": {control(`name = "BACKUP_EVERYTHING_IS_FINE"`), regexp.MustCompile(`not a control[\s\S]*BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN`)},
		"unknown parameter": {control(`name = "BACKUP_RECOVERY_POINT_ENCRYPTED"
    input_parameter {
      name  = "requiredRetentionDays"
      value = "35"
    }`), regexp.MustCompile(`InvalidParameterValueException:[\s\S]*takes no input parameters`)},
		"value out of range": {control(`name = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"
    input_parameter {
      name  = "requiredRetentionDays"
      value = "0"
    }`), regexp.MustCompile(`InvalidParameterValueException:[\s\S]*requiredRetentionDays`)},
		"ids without one type": {control(`name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
    scope {
      compliance_resource_ids = ["fs-1"]
      compliance_resource_types = ["EFS", "RDS"]
    }`), regexp.MustCompile(`compliance_resource_ids[\s\S]*needs exactly one[\s\S]*compliance_resource_types`)},
		"empty scope": {control(`name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
    scope {}`), regexp.MustCompile(`Empty scope`)},
		"bad name": {strings.Replace(control(`name = "BACKUP_RECOVERY_POINT_ENCRYPTED"`), "bad_framework", "1-bad", 1), regexp.MustCompile(`must be a framework name`)},
	} {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

func reportPlanConfig(env *testAccEnv, formats, description string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_framework" "f" {
  name = "reported_framework"
  control {
    name = "BACKUP_RECOVERY_POINT_ENCRYPTED"
  }
}

resource "backup_report_plan" "test" {
  name        = "daily_compliance"
  description = %q

  report_delivery_channel {
    s3_bucket_name = "audit-reports"
    s3_key_prefix  = "backup"
    %s
  }

  report_setting {
    report_template = "CONTROL_COMPLIANCE_REPORT"
    framework_arns  = [backup_framework.f.arn]
  }
}
`, description, formats)
}

// Create (formats read back as the engine's default CSV), import by name, update in place,
// the data source, and destroy.
func TestAccReportPlan_createImportUpdateDestroy(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: reportPlanConfig(env, "", "Daily proof"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_report_plan.test", tfjsonpath.New("id"), knownvalue.StringExact("daily_compliance")),
					statecheck.ExpectKnownValue("backup_report_plan.test", tfjsonpath.New("deployment_status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("backup_report_plan.test", tfjsonpath.New("report_delivery_channel").AtSliceIndex(0).AtMapKey("formats"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("CSV")})),
					statecheck.ExpectKnownValue("backup_report_plan.test", tfjsonpath.New("report_setting").AtSliceIndex(0).AtMapKey("number_of_frameworks"), knownvalue.Int64Exact(1)),
				},
			},
			{
				ResourceName: "backup_report_plan.test", ImportState: true, ImportStateId: "daily_compliance", ImportStateVerify: true,
			},
			{
				Config: reportPlanConfig(env, `formats = ["CSV", "JSON"]`, "Daily proof, twice over"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_report_plan.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					p, err := awsbackup.FindReportPlanByName(context.Background(), env.Client, "daily_compliance")
					if err != nil {
						return err
					}
					if len(p.ReportDeliveryChannel.Formats) != 2 || *p.ReportPlanDescription != "Daily proof, twice over" {
						return fmt.Errorf("after the update the engine holds formats %v, description %q", p.ReportDeliveryChannel.Formats, *p.ReportPlanDescription)
					}
					return nil
				},
			},
			{
				Config: reportPlanConfig(env, `formats = ["CSV", "JSON"]`, "Daily proof, twice over") + `
data "backup_report_plan" "test" {
  name = backup_report_plan.test.name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.backup_report_plan.test", tfjsonpath.New("report_setting").AtSliceIndex(0).AtMapKey("report_template"), knownvalue.StringExact("CONTROL_COMPLIANCE_REPORT")),
					statecheck.ExpectKnownValue("data.backup_report_plan.test", tfjsonpath.New("report_delivery_channel").AtSliceIndex(0).AtMapKey("s3_bucket_name"), knownvalue.StringExact("audit-reports")),
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := awsbackup.FindReportPlanByName(context.Background(), env.Client, "daily_compliance")
			if awsbackup.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("report plan still there (err %v)", err)
		},
	})
}

func TestAccReportPlan_invalidConfigurationIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	plan := func(setting string) string {
		return env.ProviderConfig() + `
resource "backup_report_plan" "test" {
  name = "bad_plan"
  report_delivery_channel {
    s3_bucket_name = "audit-reports"
  }
  report_setting {
` + setting + `
  }
}
`
	}
	for name, tc := range map[string]struct {
		config string
		want   *regexp.Regexp
	}{
		"compliance report without frameworks": {plan(`report_template = "RESOURCE_COMPLIANCE_REPORT"`), regexp.MustCompile(`set framework_arns`)},
		"job report with frameworks": {plan(`report_template = "BACKUP_JOB_REPORT"
    framework_arns = ["arn:aws:backup:us-east-1:123456789012:framework:f-1"]`), regexp.MustCompile(`remove framework_arns`)},
		"unknown template": {plan(`report_template = "SCAN_JOB_REPORT"`), regexp.MustCompile(`value must be one of`)},
	} {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

func complianceConfig(env *testAccEnv, dir string, withPlan bool) string {
	plan := ""
	if withPlan {
		plan = fmt.Sprintf(`
resource "backup_vault" "v" {
  name = "audited-vault"
}

resource "backup_plan" "p" {
  name = "covers-the-share"
  rule {
    rule_name         = "daily"
    target_vault_name = backup_vault.v.name
    schedule          = "cron(0 2 * * ? *)"
  }
}

resource "backup_selection" "s" {
  name         = "the-share"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q
  resources    = [backup_protected_resource.share.arn]
}
`, roleARN(env))
	}
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "share" {
  type = "EFS"
  path = %q
}

resource "backup_framework" "f" {
  name = "coverage"
  control {
    name = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
  }
}
%s
data "backup_framework_compliance" "f" {
  framework_name = backup_framework.f.name
  depends_on     = [backup_protected_resource.share%s]
}
`, dir, plan, map[bool]string{true: ", backup_selection.s"}[withPlan])
}

// The compliance data source reports a resource no plan protects as NON_COMPLIANT, naming it,
// and COMPLIANT once a selection covers it.
func TestAccFrameworkCompliance_namesTheResourceOutOfComplianceUntilAPlanCoversIt(t *testing.T) {
	env := newTestAccEnv(t)
	dir := filepath.Join(t.TempDir(), "share")
	enginetest.WriteTree(t, dir, 3)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: complianceConfig(env, dir, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.backup_framework_compliance.f", tfjsonpath.New("compliance_status"), knownvalue.StringExact("NON_COMPLIANT")),
					statecheck.ExpectKnownValue("data.backup_framework_compliance.f", tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("control_name"),
						knownvalue.StringExact("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN")),
				},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.backup_framework_compliance.f", "non_compliant_resource_arns.0", "backup_protected_resource.share", "arn"),
					resource.TestCheckResourceAttr("data.backup_framework_compliance.f", "non_compliant_resource_arns.#", "1"),
				),
			},
			{
				Config: complianceConfig(env, dir, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.backup_framework_compliance.f", tfjsonpath.New("compliance_status"), knownvalue.StringExact("COMPLIANT")),
					statecheck.ExpectKnownValue("data.backup_framework_compliance.f", tfjsonpath.New("non_compliant_resource_arns"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue("data.backup_framework_compliance.f", tfjsonpath.New("results").AtSliceIndex(0).AtMapKey("compliance_status"), knownvalue.StringExact("COMPLIANT")),
				},
			},
		},
	})
}
