package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// measured observes the duration and bytes of the backup, copy and restore jobs its handler runs,
// once Run has returned: whichever of the many paths finished the job, its record then holds the
// outcome. Jobs finalised without running (expired, stopped while queued) took no time and are not
// observed.
type measured struct {
	queue.Handler
	x       *executor
	jobType string
}

func (m measured) Run(ctx context.Context, t *queue.Task) error {
	err := m.Handler.Run(ctx, t)
	if m.x.metrics != nil {
		// The job's context may be cancelled (a stopped job); its outcome is still worth reading.
		readCtx := context.WithoutCancel(ctx)
		if oerr := m.x.store.View(readCtx, func(tx store.Tx) error { return m.observe(tx, t.Key) }); oerr != nil {
			m.x.log.Warn("reading a finished job for its metrics failed", slog.String("job", t.Key), slog.Any("error", oerr))
		}
	}
	return err
}

func (m measured) observe(tx store.Tx, key string) error {
	var state string
	var started, ended time.Time
	var bytes int64
	switch m.jobType {
	case jobTypeBackup:
		j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, key)
		if err != nil || !found || !records.BackupJobDone(j.State) {
			return err
		}
		state, started, ended, bytes = j.State, cmpOrTime(j.InitiationDate, j.CreationDate), j.CompletionDate, j.BytesTransferred
	case jobTypeCopy:
		j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, key)
		if err != nil || !found || !records.CopyJobDone(j.State) {
			return err
		}
		state, started, ended, bytes = j.State, cmpOrTime(j.InitiationDate, j.CreationDate), j.CompletionDate, j.BytesTransferred
	case jobTypeRestore:
		j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, key)
		if err != nil || !found || !records.RestoreJobDone(j.Status) {
			return err
		}
		// A restore job records no initiation date; it runs as soon as it is created.
		state, started, ended, bytes = j.Status, j.CreationDate, j.CompletionDate, j.BackupSizeInBytes
	}
	if ended.IsZero() || ended.Before(started) {
		ended = started
	}
	m.x.metrics.JobFinished(m.jobType, state, ended.Sub(started), bytes)
	return nil
}

// The job types, as AWS names them in its metrics' and events' documentation.
const (
	jobTypeBackup  = "BACKUP"
	jobTypeCopy    = "COPY"
	jobTypeRestore = "RESTORE"
)

// cmpOrTime is the first of ts that is set.
func cmpOrTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
