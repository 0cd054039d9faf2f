package records

import "github.com/strongroom/terraform-provider-backup/internal/engine/wire"

// EffectiveLifecycle is the lifecycle a job's recovery point keeps: the cold-storage setting is
// dropped for resource types that have no cold tier (AWS ignores it for them, and they stay warm).
func EffectiveLifecycle(lc *wire.Lifecycle, supportsCold bool) *wire.Lifecycle {
	if lc == nil {
		return nil
	}
	out := *lc
	if !supportsCold {
		out.MoveToColdStorageAfterDays = nil
	}
	if out.DeleteAfterDays == nil && out.MoveToColdStorageAfterDays == nil && out.DeleteAfterEvent == "" && out.OptInToArchiveForSupportedResources == nil {
		return nil
	}
	return &out
}
