package jobs

import (
	"context"
	"fmt"
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
		var into *records.Vault
		if oerr := m.x.store.View(readCtx, func(tx store.Tx) (err error) { into, err = m.observe(tx, t.Key); return err }); oerr != nil {
			m.x.log.Warn("reading a finished job for its metrics failed", slog.String("job", t.Key), slog.Any("error", oerr))
		}
		if into != nil {
			if oerr := m.x.measureRepository(readCtx, *into); oerr != nil {
				m.x.log.Warn("measuring a vault repository for its metrics failed", slog.String("vault", into.Name), slog.Any("error", oerr))
			}
		}
	}
	return err
}

// observe records a finished job's duration and bytes; it returns the vault a completed backup or
// copy job wrote into, whose repository changed.
func (m measured) observe(tx store.Tx, key string) (*records.Vault, error) {
	var state, account, region, vault string
	var started, ended time.Time
	var bytes int64
	switch m.jobType {
	case jobTypeBackup:
		j, found, err := records.GetDoc[records.BackupJob](tx, records.CollBackupJobs, key)
		if err != nil || !found || !records.BackupJobDone(j.State) {
			return nil, err
		}
		account, region, vault = j.AccountID, j.Region, j.VaultName
		state, started, ended, bytes = j.State, cmpOrTime(j.InitiationDate, j.CreationDate), j.CompletionDate, j.BytesTransferred
	case jobTypeCopy:
		j, found, err := records.GetDoc[records.CopyJob](tx, records.CollCopyJobs, key)
		if err != nil || !found || !records.CopyJobDone(j.State) {
			return nil, err
		}
		account, region, vault = j.DestAccountID, j.DestRegion, j.DestVaultName
		state, started, ended, bytes = j.State, cmpOrTime(j.InitiationDate, j.CreationDate), j.CompletionDate, j.BytesTransferred
	case jobTypeRestore:
		j, found, err := records.GetDoc[records.RestoreJob](tx, records.CollRestoreJobs, key)
		if err != nil || !found || !records.RestoreJobDone(j.Status) {
			return nil, err
		}
		// A restore job records no initiation date; it runs as soon as it is created.
		state, started, ended, bytes = j.Status, j.CreationDate, j.CompletionDate, j.BackupSizeInBytes
	}
	if ended.IsZero() || ended.Before(started) {
		ended = started
	}
	m.x.metrics.JobFinished(m.jobType, state, ended.Sub(started), bytes)
	if vault == "" || (state != records.BackupJobCompleted && state != records.BackupJobPartial) {
		return nil, nil
	}
	v, found, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(account, region, vault))
	if err != nil || !found {
		return nil, err
	}
	return &v, nil
}

// measureRepository records what vault v's warm repository stores against the logical size of
// the warm recovery points in it. It lists the repository's objects: done once per job that wrote
// into it, not at each scrape.
func (x *executor) measureRepository(ctx context.Context, v records.Vault) error {
	repo, err := x.openRepo(ctx, v, false)
	if err != nil {
		return err
	}
	var stored, logical int64
	if err := repo.Store().List(ctx, "", func(_ string, size int64) error { stored += size; return nil }); err != nil {
		return fmt.Errorf("list vault %s's repository: %w", v.Name, err)
	}
	err = x.store.View(ctx, func(tx store.Tx) error {
		return records.ScanDocs(tx, records.CollRecoveryPoints, records.VaultKey(v.AccountID, v.Region, v.Name)+"/", func(rp *records.RecoveryPoint) {
			if rp.StorageClass != records.StorageClassCold {
				logical += rp.BackupSizeInBytes
			}
		})
	})
	if err != nil {
		return err
	}
	x.metrics.VaultRepository(v.AccountID, v.Region, v.Name, stored, logical)
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
