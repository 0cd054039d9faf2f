package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The "Proving compliance" guide's example (examples/guides/proving-compliance) passes
// `terraform test`, run the way the guide says: a fresh engine data dir whose config.json
// delivers reports to a directory, named to the test by -var report_dir.
func TestTerraformTest_provingComplianceGuideExamplePasses(t *testing.T) {
	parallel(t)
	w := newCLIWorkspace(t, terraformCLI(t), "../../examples/guides/proving-compliance", nil)
	reports := t.TempDir()
	if err := os.MkdirAll(w.Engine, 0o700); err != nil {
		t.Fatal(err)
	}
	config := `{"reports": {"directory": "` + reports + `"}}`
	if err := os.WriteFile(filepath.Join(w.Engine, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	w.MustRun("init", "-no-color", "-input=false")
	out := w.MustRun("test", "-no-color", "-var", "report_dir="+reports)
	if !strings.Contains(out, "5 passed, 0 failed") {
		t.Fatalf("terraform test printed:\n%s", out)
	}
	// The reports are in the bucket's directory, under the plan's prefix, one per day.
	found, err := filepath.Glob(filepath.Join(reports, "audit-reports", "audit", "Backup", "us-east-1", "2025", "03", "0*", "daily_resource_compliance_RESOURCE_COMPLIANCE_REPORT_*.csv"))
	if err != nil || len(found) != 2 {
		t.Fatalf("reports delivered: %v (%v); want one for each of the two days", found, err)
	}
}
