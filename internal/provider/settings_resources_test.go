package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	tftypes "github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func globalSettingsConfig(env *testAccEnv, settings string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_global_settings" "test" {
  global_settings = %s
}
`, settings)
}

// testAccCheckRemoteGlobalSetting checks a flag as the engine answers it.
func testAccCheckRemoteGlobalSetting(env *testAccEnv, flag, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := env.Client.DescribeGlobalSettings(context.Background(), &backup.DescribeGlobalSettingsInput{})
		if err != nil {
			return err
		}
		if got := out.GlobalSettings[flag]; got != want {
			return fmt.Errorf("the engine's %s is %q, want %q", flag, got, want)
		}
		return nil
	}
}

// Create sets the named flag; the flags left out are not managed (no diff though the engine
// answers three); an update changes it in place; import by ID and by account ID read every flag;
// destroy leaves the engine's settings as they were.
func TestAccGlobalSettings_managesOnlyTheNamedFlags(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: globalSettingsConfig(env, `{ isCrossAccountBackupEnabled = "false" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_global_settings.test", tfjsonpath.New("id"), knownvalue.StringExact("global")),
					statecheck.ExpectKnownValue("backup_global_settings.test", tfjsonpath.New("global_settings"),
						knownvalue.MapExact(map[string]knownvalue.Check{"isCrossAccountBackupEnabled": knownvalue.StringExact("false")})),
				},
				Check: testAccCheckRemoteGlobalSetting(env, "isCrossAccountBackupEnabled", "false"),
			},
			{
				// The plan after apply is empty (the step fails otherwise); importing reads every flag.
				ResourceName: "backup_global_settings.test", ImportState: true, ImportStateId: "global",
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["global_settings.%"] != "3" || states[0].Attributes["global_settings.isMpaEnabled"] != "false" {
						return fmt.Errorf("imported %v; want the three flags", states)
					}
					return nil
				},
			},
			{
				// Importing into the configuration, which names one flag of the three the import
				// reads, plans no change.
				ResourceName: "backup_global_settings.test", ImportState: true, ImportStateId: "global",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// The AWS provider's import ID, the account ID, is accepted too.
				ResourceName: "backup_global_settings.test", ImportState: true, ImportStateId: "123456789012",
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].ID != "global" || states[0].Attributes["global_settings.isCrossAccountBackupEnabled"] != "false" {
						return fmt.Errorf("imported %v; want id global and the flags", states)
					}
					return nil
				},
			},
			{
				Config: globalSettingsConfig(env, `{ isCrossAccountBackupEnabled = "true", isMpaEnabled = "false" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_global_settings.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckRemoteGlobalSetting(env, "isCrossAccountBackupEnabled", "true"),
			},
			{
				Config: globalSettingsConfig(env, `{ isCrossAccountBackupEnabled = "false" }`),
			},
		},
		// Destroy removes the resource from the state and leaves the setting as it was.
		CheckDestroy: testAccCheckRemoteGlobalSetting(env, "isCrossAccountBackupEnabled", "false"),
	})
}

// After `terraform import`, which reads every flag, the configuration naming one plans no change;
// the first change of a configured flag narrows the state to the configured flags.
func TestAccGlobalSettings_importThenPlanIsEmpty(t *testing.T) {
	env := newTestAccEnv(t)
	crossAccount := func(v string) string {
		return globalSettingsConfig(env, fmt.Sprintf(`{ isCrossAccountBackupEnabled = %q }`, v))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:       crossAccount("true"),
				ResourceName: "backup_global_settings.test", ImportState: true, ImportStateId: "global", ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["global_settings.%"] != "3" {
						return fmt.Errorf("imported %v; want the three flags", states)
					}
					return nil
				},
			},
			{
				Config: crossAccount("true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_global_settings.test", tfjsonpath.New("global_settings"), knownvalue.MapSizeExact(3)),
				},
			},
			{
				Config: crossAccount("false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_global_settings.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_global_settings.test", tfjsonpath.New("global_settings"),
						knownvalue.MapExact(map[string]knownvalue.Check{"isCrossAccountBackupEnabled": knownvalue.StringExact("false")})),
				},
				Check: testAccCheckRemoteGlobalSetting(env, "isCrossAccountBackupEnabled", "false"),
			},
		},
	})
}

func TestAccGlobalSettings_invalidConfigurationIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	for name, tc := range map[string]struct {
		settings string
		want     *regexp.Regexp
	}{
		"unknown flag":  {`{ isCrossRegionEnabled = "true" }`, regexp.MustCompile(`InvalidParameterValueException:[\s\S]*isCrossRegionEnabled[\s\S]*isCrossAccountBackupEnabled`)},
		"not a boolean": {`{ isCrossAccountBackupEnabled = "yes" }`, regexp.MustCompile(`"true"[\s\S]*or[\s\S]*"false"`)},
		"no flags":      {`{}`, regexp.MustCompile(`MissingParameterValueException`)},
	} {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: globalSettingsConfig(env, tc.settings), PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

func regionSettingsConfig(env *testAccEnv, body string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_region_settings" "test" {
%s
}
`, body)
}

// testAccCheckRemoteOptIn checks a type's opt-in as the engine answers it.
func testAccCheckRemoteOptIn(env *testAccEnv, typ string, want bool) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := env.Client.DescribeRegionSettings(context.Background(), &backup.DescribeRegionSettingsInput{})
		if err != nil {
			return err
		}
		if got, ok := out.ResourceTypeOptInPreference[typ]; !ok || got != want {
			return fmt.Errorf("the engine's opt-in of %s is %v (listed %v), want %v", typ, got, ok, want)
		}
		return nil
	}
}

// Create opts S3 out and reads the management preference of every type; the types left out of
// the opt-in map are not managed; an update opts S3 back in; import by region reads every type.
func TestAccRegionSettings_optInAndManagement(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: regionSettingsConfig(env, `  resource_type_opt_in_preference = { S3 = false, EFS = true }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("id"), knownvalue.StringExact("us-east-1")),
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("resource_type_opt_in_preference"),
						knownvalue.MapExact(map[string]knownvalue.Check{"S3": knownvalue.Bool(false), "EFS": knownvalue.Bool(true)})),
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("resource_type_management_preference"),
						knownvalue.MapExact(map[string]knownvalue.Check{"EFS": knownvalue.Bool(true), "RDS": knownvalue.Bool(true), "S3": knownvalue.Bool(true)})),
				},
				Check: testAccCheckRemoteOptIn(env, "S3", false),
			},
			{
				ResourceName: "backup_region_settings.test", ImportState: true, ImportStateId: "us-east-1",
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["resource_type_opt_in_preference.%"] != "3" || states[0].Attributes["resource_type_opt_in_preference.S3"] != "false" {
						return fmt.Errorf("imported %v; want the opt-in of the three types, S3 out", states)
					}
					return nil
				},
			},
			{
				Config: regionSettingsConfig(env, `  resource_type_opt_in_preference = { S3 = true, EFS = true }
  resource_type_management_preference = { EFS = false }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_region_settings.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("resource_type_management_preference"),
						knownvalue.MapExact(map[string]knownvalue.Check{"EFS": knownvalue.Bool(false)})),
				},
				Check: testAccCheckRemoteOptIn(env, "S3", true),
			},
		},
	})
}

// Importing into a configuration that names some resource types plans no change; a change of a
// named type updates in place and narrows the state to the named types.
func TestAccRegionSettings_importThenPlanIsEmpty(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(efs bool) string {
		return regionSettingsConfig(env, fmt.Sprintf(`  resource_type_opt_in_preference = { EFS = %t }
  resource_type_management_preference = { EFS = true }`, efs))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:       config(true),
				ResourceName: "backup_region_settings.test", ImportState: true, ImportStateId: "us-east-1", ImportStatePersist: true,
			},
			{
				Config: config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("resource_type_opt_in_preference"), knownvalue.MapSizeExact(3)),
				},
			},
			{
				Config: config(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_region_settings.test", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("resource_type_opt_in_preference"),
						knownvalue.MapExact(map[string]knownvalue.Check{"EFS": knownvalue.Bool(false)})),
					statecheck.ExpectKnownValue("backup_region_settings.test", tfjsonpath.New("resource_type_management_preference"),
						knownvalue.MapExact(map[string]knownvalue.Check{"EFS": knownvalue.Bool(true)})),
				},
				Check: testAccCheckRemoteOptIn(env, "EFS", false),
			},
		},
	})
}

func TestAccRegionSettings_aTypeTheEngineDoesNotBackUpIsRefused(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      regionSettingsConfig(env, `  resource_type_opt_in_preference = { DynamoDB = true }`),
			ExpectError: regexp.MustCompile(`InvalidParameterValueException[\s\S]*DynamoDB[\s\S]*DescribeRegionSettings`),
		}},
	})
}

func TestAccRegionSettings_importByAnotherRegionIsRefused(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: regionSettingsConfig(env, `  resource_type_opt_in_preference = { EFS = true }`)},
			{
				ResourceName: "backup_region_settings.test", ImportState: true, ImportStateId: "eu-west-1",
				ExpectError: regexp.MustCompile(`provider's region, "us-east-1"`),
			},
		},
	})
}

func TestPriorCoversPlanned(t *testing.T) {
	m := func(kv ...string) tftypes.Map {
		elems := map[string]attr.Value{}
		for i := 0; i < len(kv); i += 2 {
			elems[kv[i]] = tftypes.StringValue(kv[i+1])
		}
		return tftypes.MapValueMust(tftypes.StringType, elems)
	}
	withUnknown := tftypes.MapValueMust(tftypes.StringType, map[string]attr.Value{"a": tftypes.StringUnknown()})
	for _, c := range []struct {
		name           string
		prior, planned tftypes.Map
		want           bool
	}{
		{"an import's every key, the configuration naming one with its value", m("a", "1", "b", "2"), m("a", "1"), true},
		{"the same keys: nothing to keep", m("a", "1"), m("a", "1"), false},
		{"a configured value that differs", m("a", "1", "b", "2"), m("a", "2"), false},
		{"a configured key the prior lacks", m("a", "1", "b", "2"), m("c", "1"), false},
		{"an unknown configured value", m("a", "1", "b", "2"), withUnknown, false},
		{"no prior value", tftypes.MapNull(tftypes.StringType), m("a", "1"), false},
		{"an unknown plan", m("a", "1", "b", "2"), tftypes.MapUnknown(tftypes.StringType), false},
	} {
		if got := priorCoversPlanned(c.prior, c.planned); got != c.want {
			t.Errorf("%s: priorCoversPlanned = %v, want %v", c.name, got, c.want)
		}
	}
}
