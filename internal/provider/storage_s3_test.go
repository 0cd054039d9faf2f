package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// Quickstart with the embedded engine's vault data in S3 (provider storage): a directory is
// backed up into a vault whose packs land in the bucket, not the data dir, and restored
// byte-identical. Credentials come from the environment, as the attribute documents.
func TestAccStorage_embeddedEngineKeepsVaultDataInS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "tf-vaults")
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	dataDir := t.TempDir()
	// The provider opens the engine itself (with storage); it stops before the data dir goes.
	t.Cleanup(func() {
		if err := closeEmbeddedEngine(dataDir); err != nil {
			t.Errorf("close the embedded engine: %v", err)
		}
	})
	src := filepath.Join(t.TempDir(), "app")
	enginetest.WriteTree(t, src, 15)
	dest := filepath.Join(t.TempDir(), "restored")
	config := fmt.Sprintf(`
provider "backup" {
  data_dir = %q
  storage  = "s3://tf-vaults/engine?endpoint=%s"
}

resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}

resource "backup_vault" "offsite" {
  name = "offsite"
}

resource "backup_recovery_point" "now" {
  vault_name   = backup_vault.offsite.name
  resource_arn = backup_protected_resource.app.arn
}

resource "backup_restore_job" "back" {
  recovery_point_arn = backup_recovery_point.now.arn
  metadata = {
    "newFileSystem"    = "true"
    "destination-path" = %q
  }
}
`, dataDir, srv.Endpoint, src, dest)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
				statecheck.ExpectKnownValue("backup_restore_job.back", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
			},
			Check: func(*terraform.State) error {
				out, err := srv.Client().ListObjectsV2(context.Background(), &awss3.ListObjectsV2Input{Bucket: aws.String("tf-vaults"), Prefix: aws.String("engine/")})
				if err != nil {
					return err
				}
				var packs int
				for _, o := range out.Contents {
					if strings.Contains(aws.ToString(o.Key), "/offsite/warm/packs/") {
						packs++
					}
				}
				if packs == 0 {
					return fmt.Errorf("no pack of the offsite vault in the bucket (%d objects under engine/)", len(out.Contents))
				}
				if m, _ := filepath.Glob(filepath.Join(dataDir, "*", "*", "*", "offsite*")); len(m) > 0 {
					return fmt.Errorf("the S3 vault has data in the data dir: %v", m)
				}
				if diffs := enginetest.DiffTrees(t, src, dest); len(diffs) > 0 {
					return fmt.Errorf("the restored tree differs:\n%s", strings.Join(diffs, "\n"))
				}
				return nil
			},
		}},
	})
}
