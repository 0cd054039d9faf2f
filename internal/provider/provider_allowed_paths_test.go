package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// With allowed_paths the embedded engine is confined like the daemon: a directory outside them,
// or its own data dir, cannot be registered; one inside can.
func TestAccProvider_allowedPathsConfineTheEmbeddedEngine(t *testing.T) {
	base := t.TempDir()
	dataDir, allowed, outside := filepath.Join(base, "data"), filepath.Join(base, "allowed"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(allowed, "app"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := closeEmbeddedEngine(dataDir); err != nil {
			t.Errorf("close the embedded engine: %v", err)
		}
	})
	provider := fmt.Sprintf("provider \"backup\" {\n  data_dir      = %q\n  allowed_paths = [%q]\n}\n", dataDir, allowed)
	register := func(path string) string {
		return provider + fmt.Sprintf("resource \"backup_protected_resource\" \"files\" {\n  type = \"EFS\"\n  path = %q\n}\n", path)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: register(outside), ExpectError: regexp.MustCompile(`AccessDeniedException[\s\S]*is\s+outside\s+the\s+directories`)},
			{Config: register(dataDir), ExpectError: regexp.MustCompile(`AccessDeniedException[\s\S]*engine's\s+own\s+directory`)},
			{Config: register(filepath.Join(allowed, "app")), Check: resource.TestCheckResourceAttr("backup_protected_resource.files", "path", filepath.Join(allowed, "app"))},
		},
	})
}

// One process runs one engine per data dir: a second provider block of it with other
// allowed_paths is refused rather than silently given the first one's.
func TestAccProvider_allowedPathsMustAgreeForADataDir(t *testing.T) {
	env := newTestAccEnv(t) // opens the data dir's engine without allowed_paths
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      env.ProviderConfigWith(fmt.Sprintf("  allowed_paths = [%q]", t.TempDir())) + "data \"backup_backup_jobs\" \"all\" {}\n",
			ExpectError: regexp.MustCompile(`allowed_paths differ between provider configurations`),
		}},
	})
}
