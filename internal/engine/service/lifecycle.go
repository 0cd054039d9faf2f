package service

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// validateJobLifecycle applies AWS's lifecycle rules (validateLifecycle, shared with plan rules)
// to the lifecycle of an on-demand job or a recovery point, which has no archive tier here.
func validateJobLifecycle(lc *wire.Lifecycle) error {
	if err := validateLifecycle(lc, "Lifecycle.", false); err != nil {
		return err
	}
	if lc != nil && deref(lc.OptInToArchiveForSupportedResources) {
		return apierr.InvalidParameter("Lifecycle.OptInToArchiveForSupportedResources: this engine has no archive tier; leave it out or false")
	}
	return nil
}

// calculatedLifecycle works lifecycle lc out from the point's creation date.
func calculatedLifecycle(lc *wire.Lifecycle, created time.Time) *wire.CalculatedLifecycle {
	if lc == nil || (lc.DeleteAfterDays == nil && lc.MoveToColdStorageAfterDays == nil) {
		return nil
	}
	out := &wire.CalculatedLifecycle{}
	if lc.DeleteAfterDays != nil {
		out.DeleteAt = wire.NewTimestamp(created.AddDate(0, 0, int(*lc.DeleteAfterDays)))
	}
	if lc.MoveToColdStorageAfterDays != nil {
		out.MoveToColdStorageAt = wire.NewTimestamp(created.AddDate(0, 0, int(*lc.MoveToColdStorageAfterDays)))
	}
	return out
}
