package engine

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports/delivery"
)

// A report directory must be inside the allowed paths and outside the data dir; without a
// reports section, report jobs fail saying what to configure.
func TestReportTargetHoldsTheDirectoryToTheAllowedPaths(t *testing.T) {
	allowed, data := t.TempDir(), t.TempDir()
	fsa := FilesystemAccess{AllowedPaths: []string{allowed}}
	dir := func(d string) *config.Config { return &config.Config{Reports: config.Reports{Directory: d}} }

	if got, err := ReportTarget(fsa, data, dir(filepath.Join(allowed, "reports"))); err != nil || got != (delivery.Directory{Dir: filepath.Join(allowed, "reports")}) {
		t.Errorf("a directory inside an allowed path: %v, %v", got, err)
	}
	for name, d := range map[string]string{"outside": t.TempDir(), "a sibling by prefix": allowed + "-x", "the data dir": filepath.Join(data, "r")} {
		if _, err := ReportTarget(FilesystemAccess{AllowedPaths: []string{allowed, data}}, data, dir(d)); err == nil {
			t.Errorf("%s (%s) was accepted", name, d)
		}
	}
	got, err := ReportTarget(fsa, data, &config.Config{})
	if err != nil || got.Put(t.Context(), "b", "k", nil) == nil || !strings.Contains(got.Put(t.Context(), "b", "k", nil).Error(), `"reports"`) {
		t.Errorf("no reports section: %v, %v", got, err)
	}
}
