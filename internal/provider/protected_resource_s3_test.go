package provider

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// A bucket on an S3-compatible server registered as an S3 resource is backed up and restored
// into a new bucket, all from Terraform; the configuration (with the bucket's keys in its URL)
// plans clean, the URL in state is the one written, and an import reads it back masked.
func TestAccProtectedResource_s3BucketBacksUpAndRestoresToANewBucket(t *testing.T) {
	srv := s3test.Start(t)
	c := srv.Client()
	ctx := context.Background()
	srv.CreateBucket(t, "tf-assets")
	objects := map[string][]byte{"index.html": []byte("<h1>tf</h1>"), "img/a.png": bytes.Repeat([]byte("png"), 40000), "empty": nil}
	for k, v := range objects {
		if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("tf-assets"), Key: aws.String(k), Body: bytes.NewReader(v),
			Metadata: map[string]string{"origin": "tf"}, Tagging: aws.String("kind=asset")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: aws.String("tf-assets"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}}); err != nil {
		t.Fatal(err)
	}
	env := newTestAccEnv(t)
	config := env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "assets" {
  type = "S3"
  url  = %q
  tags = { Backup = "true" }
}

resource "backup_vault" "buckets" {
  name = "buckets"
}

resource "backup_recovery_point" "now" {
  vault_name   = backup_vault.buckets.name
  resource_arn = backup_protected_resource.assets.arn
}

data "backup_recovery_point" "now" {
  vault_name         = backup_vault.buckets.name
  recovery_point_arn = backup_recovery_point.now.arn
}

resource "backup_restore_job" "copy" {
  recovery_point_arn = backup_recovery_point.now.arn
  metadata = merge(data.backup_recovery_point.now.restore_metadata, {
    DestinationBucketName = "tf-assets-restored"
    NewBucket             = "true"
  })
}
`, srv.Locator("tf-assets"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_protected_resource.assets", tfjsonpath.New("arn"), knownvalue.StringExact("arn:aws:s3:::tf-assets")),
					statecheck.ExpectKnownValue("backup_protected_resource.assets", tfjsonpath.New("resource_id"), knownvalue.StringExact("tf-assets")),
					statecheck.ExpectKnownValue("backup_protected_resource.assets", tfjsonpath.New("name"), knownvalue.StringExact("tf-assets")),
					statecheck.ExpectKnownValue("backup_protected_resource.assets", tfjsonpath.New("url"), knownvalue.StringExact(srv.Locator("tf-assets"))),
					statecheck.ExpectKnownValue("backup_protected_resource.assets", tfjsonpath.New("path"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_recovery_point.now", tfjsonpath.New("resource_type"), knownvalue.StringExact("S3")),
					statecheck.ExpectKnownValue("data.backup_recovery_point.now", tfjsonpath.New("restore_metadata").AtMapKey("DestinationBucketName"), knownvalue.StringExact("tf-assets")),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("status"), knownvalue.StringExact("COMPLETED")),
					statecheck.ExpectKnownValue("backup_restore_job.copy", tfjsonpath.New("created_resource_arn"), knownvalue.StringExact("arn:aws:s3:::tf-assets-restored")),
				},
				Check: func(*terraform.State) error {
					for k, want := range objects {
						out, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("tf-assets-restored"), Key: aws.String(k)})
						if err != nil {
							return fmt.Errorf("restored object %s: %w", k, err)
						}
						got, _ := io.ReadAll(out.Body)
						out.Body.Close()
						if !bytes.Equal(got, want) || out.Metadata["origin"] != "tf" {
							return fmt.Errorf("restored object %s: %d bytes, metadata %v; want %d bytes and origin=tf", k, len(got), out.Metadata, len(want))
						}
					}
					tags, err := c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: aws.String("tf-assets-restored")})
					if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "web" {
						return fmt.Errorf("restored bucket tags %v (%v), want team=web", tags, err)
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName:            "backup_protected_resource.assets",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"url"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					u := states[0].Attributes["url"]
					if strings.Contains(u, srv.SecretKey) || !strings.Contains(u, srv.AccessKey+":xxxxx@") {
						return fmt.Errorf("imported url %q: want the engine's masked form", u)
					}
					return nil
				},
			},
		},
	})
}

func TestAccProtectedResource_s3IsLocatedByURL(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderConfig() + `
resource "backup_protected_resource" "b" {
  type = "S3"
  path = "/srv/bucket"
}`,
				ExpectError: regexp.MustCompile(`(?s)Missing url.*located by url`),
			},
			{
				Config: env.ProviderConfig() + `
resource "backup_protected_resource" "b" {
  type = "S3"
  url  = "http://127.0.0.1:1/no-such-endpoint"
}`,
				ExpectError: regexp.MustCompile(`(?s)InvalidParameterValueException.*no-such-endpoint`),
			},
		},
	})
}

// A URL whose secret the state only has masked (after an import) updates in place; any other
// change replaces the registration.
func TestProtectedResourceURLChangeReplacesUnlessItRevealsTheMaskedSecret(t *testing.T) {
	cases := []struct {
		state, plan string
		replace     bool
	}{
		{"http://AK:xxxxx@127.0.0.1:7070/b", "http://AK:secret@127.0.0.1:7070/b", false},
		{"http://AK:xxxxx@127.0.0.1:7070/b", "http://AK:secret@127.0.0.1:7070/other", true},
		{"http://AK:secret@127.0.0.1:7070/b", "http://AK:rotated@127.0.0.1:7070/b", true},
		{"postgres://app@db/orders", "postgres://app@db/orders2", true},
	}
	for _, tc := range cases {
		var resp stringplanmodifier.RequiresReplaceIfFuncResponse
		urlChangeReplaces(context.Background(), planmodifier.StringRequest{StateValue: types.StringValue(tc.state), PlanValue: types.StringValue(tc.plan)}, &resp)
		if resp.RequiresReplace != tc.replace {
			t.Errorf("%s -> %s: replace %v, want %v", tc.state, tc.plan, resp.RequiresReplace, tc.replace)
		}
	}
}
