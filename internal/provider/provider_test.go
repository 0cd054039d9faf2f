package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// Acceptance tests are part of the normal test run: they need only the terraform CLI on PATH
// and an embedded engine in a temporary directory.
func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		os.Setenv("TF_ACC", "1")
	}
	os.Exit(m.Run())
}

var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"backup": providerserver.NewProtocol6WithError(New("test")()),
}

// testAccEnv is one acceptance test's engine: a data dir the provider embeds, and an SDK client
// on the same engine to arrange and inspect things behind Terraform's back.
type testAccEnv struct {
	DataDir string
	Engine  *engine.Engine
	Client  *backup.Client
}

func newTestAccEnv(t *testing.T) *testAccEnv {
	t.Helper()
	return newTestAccEnvWithClock(t, nil)
}

// newTestAccEnvWithClock is newTestAccEnv with the embedded engine on clk (a *clock.Fake the test
// moves, say); nil is the wall clock. The engine is opened before the provider's first use of the
// data dir, so the provider runs on the same engine and clock.
func newTestAccEnvWithClock(t *testing.T, clk clock.Clock) *testAccEnv {
	t.Helper()
	dir := t.TempDir()
	e, err := openEmbeddedEngine(context.Background(), dir, clk)
	if err != nil {
		t.Fatalf("open embedded engine: %v", err)
	}
	// Cleanups run last-registered first, so the engine and its background work stop before
	// t.TempDir removes the data dir under them.
	t.Cleanup(func() {
		if err := closeEmbeddedEngine(dir); err != nil {
			t.Errorf("close the embedded engine: %v", err)
		}
	})
	k := e.PrimaryKey()
	cfg := aws.Config{
		Region:      engine.DefaultRegion,
		Credentials: awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: e.InProcessTransport()},
	}
	c := backup.NewFromConfig(cfg, func(o *backup.Options) { o.BaseEndpoint = aws.String(engine.InProcessEndpoint) })
	return &testAccEnv{DataDir: dir, Engine: e, Client: c}
}

// ProviderConfig is the provider block that embeds this test's engine.
func (e *testAccEnv) ProviderConfig() string {
	return fmt.Sprintf("provider \"backup\" {\n  data_dir = %q\n}\n", e.DataDir)
}

// ProviderConfigWith is ProviderConfig with extra lines in the provider block.
func (e *testAccEnv) ProviderConfigWith(extra string) string {
	return fmt.Sprintf("provider \"backup\" {\n  data_dir = %q\n%s\n}\n", e.DataDir, extra)
}

func (e *testAccEnv) AccountID() string { return e.Engine.PrimaryKey().AccountID }

func TestAccProvider_conflictingSettingsFailAtPlan(t *testing.T) {
	cases := []struct {
		name, config string
		want         *regexp.Regexp
	}{
		{"data_dir with endpoint", `provider "backup" {
  endpoint = "http://127.0.0.1:9191"
  data_dir = "/tmp/x"
}`, regexp.MustCompile(`data_dir applies only to the embedded engine`)},
		{"access_key without endpoint", `provider "backup" {
  access_key = "AKIA"
  secret_key = "s"
}`, regexp.MustCompile(`access_key applies only with endpoint`)},
		{"access_key without secret_key", `provider "backup" {
  endpoint   = "http://127.0.0.1:9191"
  access_key = "AKIA"
}`, regexp.MustCompile(`access_key and secret_key must be set together`)},
		{"endpoint that is not a URL", `provider "backup" {
  endpoint = "localhost:9191"
}`, regexp.MustCompile(`endpoint must be an http\(s\) URL`)},
		{"bad region", `provider "backup" {
  region = "Mars"
}`, regexp.MustCompile(`must be a region name`)},
		{"allowed_paths with endpoint", `provider "backup" {
  endpoint      = "http://127.0.0.1:9191"
  allowed_paths = ["/srv"]
}`, regexp.MustCompile(`allowed_paths applies only to the embedded engine[\s\S]*--allow-path`)},
		{"storage with endpoint", `provider "backup" {
  endpoint = "http://127.0.0.1:9191"
  storage  = "s3://backups"
}`, regexp.MustCompile(`storage applies only to the embedded engine`)},
		{"storage with keys in it", `provider "backup" {
  storage = "s3://AKIA:secret@backups"
}`, regexp.MustCompile(`Invalid storage[\s\S]*keys in the URL[\s\S]*profile=NAME`)},
		{"relative allowed path", `provider "backup" {
  allowed_paths = ["srv/data"]
}`, regexp.MustCompile(`Path must be absolute`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      tc.config + "\ndata \"backup_vault\" \"x\" {\n  name = \"x1\"\n}\n",
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
}
