package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// Registry is a registry client on this test's engine.
func (e *testAccEnv) Registry() *engineclient.Client {
	k := e.Engine.PrimaryKey()
	return engineclient.New(engineclient.Options{Endpoint: engine.InProcessEndpoint, Region: engine.DefaultRegion,
		Credentials: aws.NewCredentialsCache(awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")),
		HTTPClient:  httpClient(e.Engine)})
}

var efsARN = regexp.MustCompile(`^arn:aws:elasticfilesystem:us-east-1:[0-9]{12}:file-system/fs-[0-9a-f]{17}$`)

func TestAccProtectedResource_registersImportsAndUpdatesTags(t *testing.T) {
	env := newTestAccEnv(t)
	dir := filepath.Join(t.TempDir(), "customer-files")
	mkdir(t, dir)
	config := func(tags string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "files" {
  type = "EFS"
  path = %q
  %s
}`, dir, tags)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(`tags = { Backup = "true" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_protected_resource.files", tfjsonpath.New("arn"), knownvalue.StringRegexp(efsARN)),
					statecheck.ExpectKnownValue("backup_protected_resource.files", tfjsonpath.New("name"), knownvalue.StringExact("customer-files")),
					statecheck.ExpectKnownValue("backup_protected_resource.files", tfjsonpath.New("resource_id"), knownvalue.StringRegexp(regexp.MustCompile(`^fs-[0-9a-f]{17}$`))),
					statecheck.ExpectKnownValue("backup_protected_resource.files", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
						"Backup": knownvalue.StringExact("true")})),
				},
				Check: testAccCheckRegistered(env, dir, map[string]string{"Backup": "true"}),
			},
			{
				ResourceName:      "backup_protected_resource.files",
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// A Name tag renames the resource in place.
				Config: config(`tags = { Backup = "true", Name = "files" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_protected_resource.files", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_protected_resource.files", tfjsonpath.New("name"), knownvalue.StringExact("files")),
				},
				Check: testAccCheckRegistered(env, dir, map[string]string{"Backup": "true", "Name": "files"}),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			list, err := env.Registry().ListResources(context.Background(), "")
			if err != nil {
				return err
			}
			if len(list) != 0 {
				return fmt.Errorf("%d resources still registered after destroy", len(list))
			}
			return nil
		},
	})
}

func TestAccProtectedResource_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	dir := t.TempDir()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "files" {
  type = "EFS"
  path = %q
}`, dir),
			Check: func(s *terraform.State) error {
				return env.Registry().RemoveResource(context.Background(), s.RootModule().Resources["backup_protected_resource.files"].Primary.ID)
			},
			ExpectNonEmptyPlan: true,
		}},
	})
}

func TestAccProtectedResource_badPathsAreCaught(t *testing.T) {
	env := newTestAccEnv(t)
	cases := map[string]struct {
		path string
		want *regexp.Regexp
	}{
		"relative path at plan":      {"data/files", regexp.MustCompile(`Path must be absolute[\s\S]*abspath`)},
		"unclean path at plan":       {"/srv/data/", regexp.MustCompile(`Path must be clean`)},
		"missing directory at apply": {filepath.Join(t.TempDir(), "nope"), regexp.MustCompile(`InvalidParameterValueException[\s\S]*does\s+not\s+exist`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "files" {
  type = "EFS"
  path = %q
}`, tc.path),
					ExpectError: tc.want,
				}},
			})
		})
	}
}

func testAccCheckRegistered(env *testAccEnv, dir string, tags map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		list, err := env.Registry().ListResources(context.Background(), "EFS")
		if err != nil {
			return err
		}
		for _, r := range list {
			if r.Locator != dir {
				continue
			}
			if len(r.Tags) != len(tags) {
				return fmt.Errorf("registry tags %v, want %v", r.Tags, tags)
			}
			for k, v := range tags {
				if r.Tags[k] != v {
					return fmt.Errorf("registry tags %v, want %v", r.Tags, tags)
				}
			}
			return nil
		}
		return fmt.Errorf("%s is not registered", dir)
	}
}
