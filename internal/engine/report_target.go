package engine

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/reports/delivery"
)

// ReportTarget is where report jobs deliver, from the config's reports section: its S3 server,
// or its directory, which must be inside the allowed paths (filesystem.allowed_paths, or the
// engine's own --allow-path) and outside the data dir. No section: delivery.None, whose jobs
// fail saying what to configure.
func ReportTarget(fsa FilesystemAccess, dataDir string, cfg *config.Config) (delivery.Target, error) {
	r := cfg.Reports
	switch {
	case r.S3 != nil:
		return delivery.S3{Endpoint: r.S3.Endpoint, Region: r.S3.Region, Profile: r.S3.Profile}, nil
	case r.Directory != "":
		dir := filepath.Clean(r.Directory)
		inside := func(root string) bool {
			rel, err := filepath.Rel(filepath.Clean(root), dir)
			return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
		}
		if dataDir != "" && inside(dataDir) {
			return nil, fmt.Errorf("reports.directory %s is inside the data dir: choose a directory outside it", dir)
		}
		for _, p := range append(append([]string(nil), cfg.Filesystem.AllowedPaths...), fsa.AllowedPaths...) {
			if inside(p) {
				return delivery.Directory{Dir: dir}, nil
			}
		}
		if fsa.Unconfined && len(cfg.Filesystem.AllowedPaths) == 0 {
			return delivery.Directory{Dir: dir}, nil
		}
		return nil, fmt.Errorf("reports.directory %s is not inside the allowed paths (filesystem.allowed_paths or --allow-path): add it there, or choose one inside", dir)
	}
	return delivery.None{}, nil
}
