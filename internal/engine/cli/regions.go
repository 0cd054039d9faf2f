package cli

import (
	"fmt"
	"maps"
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
)

// checkRegionFlag refuses a --region the engine does not serve: one of AWS's standard regions
// or one the engine config declares. The region names a directory of the data dir, and is
// printed into shell export lines by `engine credentials`.
func checkRegionFlag(name string, cfg *config.Config) error {
	set, err := region.NewSet(slices.Collect(maps.Keys(cfg.Regions))...)
	if err != nil {
		return fmt.Errorf("engine config: regions: %w", err)
	}
	if err := set.Check(name); err != nil {
		return usageError{fmt.Sprintf("--region: %v", err)}
	}
	return nil
}
