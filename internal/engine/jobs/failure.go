package jobs

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources"
)

// Message categories of finished jobs (ListBackupJobs ByMessageCategory).
const (
	CategorySuccess      = "SUCCESS"
	CategoryAborted      = "ABORTED"
	CategoryAccessDenied = "ACCESS_DENIED"
	CategorySourceGone   = "RESOURCE_NOT_FOUND"
	CategoryStorageFull  = "INSUFFICIENT_STORAGE"
	CategoryEngine       = "ENGINE_STOPPED"
	CategoryPartial      = "PARTIAL"
	CategoryFailed       = "FAILED"
)

// failure turns a job error into a StatusMessage and a message category, saying what to do.
// lost says what the failure cost, for the messages that need it ("nothing was stored as a
// recovery point").
func failure(err error, cause error, lost string) (msg, category string) {
	if e, ok := apierr.As(err); ok {
		return e.Message, CategoryFailed
	}
	switch {
	case errors.Is(cause, queue.ErrShutdown):
		return "the engine was shut down while the job ran; " + lost + ". Start the job again.", CategoryEngine
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full (" + err.Error() + "); " + lost + ", and what the vault already held is intact. Free space and start the job again.", CategoryStorageFull
	case errors.Is(err, fs.ErrNotExist):
		return err.Error(), CategorySourceGone
	case errors.Is(err, resources.ErrConfined):
		return err.Error(), CategoryAccessDenied
	case errors.Is(err, fs.ErrPermission):
		return err.Error() + ". Give the engine's user read access, or run the engine as a user that has it.", CategoryAccessDenied
	}
	return err.Error(), CategoryFailed
}
