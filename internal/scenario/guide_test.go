package scenario

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The time-travel guide's example (examples/guides/time-travel) passes `terraform test`, run the
// way the guide says: the provider from this build, a fresh engine data dir.
func TestTerraformTest_timeTravelGuideExamplePasses(t *testing.T) {
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH")
	}
	work := t.TempDir()
	// The provider from this build, for plan and apply (dev_overrides) and for init (a mirror).
	bin := filepath.Dir(binary)
	mirror := filepath.Join(work, "mirror", "registry.terraform.io", "strongroom", "backup", "0.0.1", runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(mirror, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mirror, "terraform-provider-backup_v0.0.1"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(work, "terraformrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"strongroom/backup\" = %q\n  }\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/strongroom/backup\"]\n  }\n}\n",
		bin, filepath.Join(work, "mirror"))
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(work, "module")
	if out, err := exec.Command("cp", "-r", "../../examples/guides/time-travel", module).CombinedOutput(); err != nil {
		t.Fatalf("copy the example: %v\n%s", err, out)
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "BACKUP_ENGINE_DATA_DIR="+filepath.Join(work, "engine"), "CHECKPOINT_DISABLE=1")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("terraform", append([]string{"-chdir=" + module}, args...)...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	run("init", "-no-color", "-input=false")
	out := run("test", "-no-color")
	if !strings.Contains(out, "4 passed, 0 failed") {
		t.Fatalf("terraform test printed:\n%s", out)
	}
}
