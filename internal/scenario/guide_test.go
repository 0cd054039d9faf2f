package scenario

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The time-travel guide's example (examples/guides/time-travel) passes `terraform test` and
// `tofu test`, run the way the guide says: the provider from this build, a fresh engine data
// dir. The one test file serves both tools.
func TestTerraformTest_timeTravelGuideExamplePasses(t *testing.T) {
	parallel(t)
	checkTimeTravelGuide(t, terraformCLI(t))
}

func TestOpenTofuTest_timeTravelGuideExamplePasses(t *testing.T) {
	parallel(t)
	checkTimeTravelGuide(t, tofuCLI(t))
}

func checkTimeTravelGuide(t *testing.T, tool tfTool) {
	w := newCLIWorkspace(t, tool, "../../examples/guides/time-travel", nil)
	w.MustRun("init", "-no-color", "-input=false")
	out := w.MustRun("test", "-no-color")
	if !strings.Contains(out, "4 passed, 0 failed") {
		t.Fatalf("%s test printed:\n%s", tool.name, out)
	}
}

// The time-travel guide's restore testing example (examples/guides/time-travel/restore-testing)
// passes on both tools: a month of weekly restore tests, each validated and cleaned up.
func TestTerraformTest_restoreTestingGuideExamplePasses(t *testing.T) {
	parallel(t)
	checkRestoreTestingGuide(t, terraformCLI(t))
}

func TestOpenTofuTest_restoreTestingGuideExamplePasses(t *testing.T) {
	parallel(t)
	checkRestoreTestingGuide(t, tofuCLI(t))
}

func checkRestoreTestingGuide(t *testing.T, tool tfTool) {
	w := newCLIWorkspace(t, tool, "../../examples/guides/time-travel/restore-testing", nil)
	w.MustRun("init", "-no-color", "-input=false")
	out := w.MustRun("test", "-no-color")
	if !strings.Contains(out, "3 passed, 0 failed") {
		t.Fatalf("%s test printed:\n%s", tool.name, out)
	}
}

// The quickstart (`make demo`) applies on OpenTofu as on Terraform, restores the directory,
// and plans no changes afterwards.
func TestOpenTofu_quickstartAppliesRestoresAndPlansNoChanges(t *testing.T) {
	parallel(t)
	w := newCLIWorkspace(t, tofuCLI(t), "../../examples/quickstart", nil)
	src := filepath.Join(t.TempDir(), "app-data")
	if err := os.MkdirAll(filepath.Join(src, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "docs", "runbook.md"), []byte("# Runbook\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	vars := []string{"-var", "data_dir=" + w.Engine, "-var", "source_dir=" + src, "-var", "restore_dir=" + restored}

	w.MustRun("init", "-no-color", "-input=false")
	w.MustRun(append([]string{"apply", "-no-color", "-input=false", "-auto-approve"}, vars...)...)
	got, err := os.ReadFile(filepath.Join(restored, "docs", "runbook.md"))
	if err != nil || string(got) != "# Runbook\n" {
		t.Fatalf("the restored copy: %q, %v", got, err)
	}
	var point struct {
		Status string `json:"status"`
	}
	if out := w.MustRun("output", "-no-color", "-json", "recovery_point"); json.Unmarshal([]byte(out), &point) != nil || point.Status != "COMPLETED" {
		t.Errorf("the recovery_point output is %s, want status COMPLETED", out)
	}
	w.PlanHasNoChanges(vars...)
}
