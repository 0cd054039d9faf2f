package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
)

func engineOptions() engine.Options { return engine.Options{} }

func TestAccVaultDataSource_readsWhatTheResourceMade(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_vault" "test" {
  name = "readable"
  tags = { team = "platform" }
}

data "backup_vault" "test" {
  name = backup_vault.test.name
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs("data.backup_vault.test", tfjsonpath.New("arn"), "backup_vault.test", tfjsonpath.New("arn"), compareSame),
				statecheck.CompareValuePairs("data.backup_vault.test", tfjsonpath.New("kms_key_arn"), "backup_vault.test", tfjsonpath.New("kms_key_arn"), compareSame),
				statecheck.ExpectKnownValue("data.backup_vault.test", tfjsonpath.New("recovery_points"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue("data.backup_vault.test", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
					"team": knownvalue.StringExact("platform"),
				})),
			},
		}},
	})
}
