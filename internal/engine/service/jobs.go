package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// shutdownGrace is how long Close waits for running jobs to record that they were stopped.
const shutdownGrace = 10 * time.Second

// progressInterval is how often a running job writes its progress to the store.
const progressInterval = time.Second

// Start starts the background work: running jobs (those queued through this service and those
// other processes on the same data dir queued or abandoned) and the scheduler. Event delivery is
// started by whoever made the events.Recorder.
func (s *Service) Start() {
	if err := s.buildDueIndex(context.Background()); err != nil {
		s.log.Error("indexing job windows and lifecycles failed; the scheduler may miss some", slog.Any("error", err))
	}
	s.runner.Start()
	s.sched.Start()
}

// Close stops the scheduler and the job runner (running jobs end FAILED, saying the engine
// stopped, in events recorded before Close returns) and closes the vault repositories.
func (s *Service) Close() error {
	s.sched.Stop()
	s.runner.Stop(shutdownGrace)
	if s.repos != nil {
		return s.repos.Close()
	}
	return nil
}

// newJobID and newPointID are records.NewJobID and records.NewPointID.
func newJobID() string { return records.NewJobID() }

func newPointID() string { return records.NewPointID() }

// openRepo opens the repository of vault v; create makes it if the vault has none yet.
func (s *Service) openRepo(ctx context.Context, v records.Vault, create bool) (*content.Repository, error) {
	if s.repos == nil {
		return nil, errors.New("this engine was started without a data dir for vault repositories")
	}
	return refusedRepo(s.repos.Open(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, create))
}

// How long DeleteBackupVault waits for a removal in flight, and how often it looks again.
const (
	removalPatience = 30 * time.Second
	removalPoll     = 50 * time.Millisecond
)

// queueVaultGC queues the collection of a vault's unreferenced data: the packs a stopped backup
// job had written. key names the cause (a job).
func queueVaultGC(tx store.Tx, account, region, vaultName, cause string) error {
	key := "gc/" + records.VaultKey(account, region, vaultName) + "/" + cause
	if err := records.PutDoc(tx, records.CollPendingForgets, key, records.PendingForget{AccountID: account, Region: region, Vault: vaultName}); err != nil {
		return err
	}
	err := queue.Enqueue(tx, jobs.KindForget, key)
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	return err
}

// forgetHandler removes a deleted point's snapshot and collects the data nothing references any
// more. A failure is retried a few times, then logged and given up (the data is garbage, not a
// risk: nothing refers to it).
type forgetHandler struct{ s *Service }

const maxForgetAttempts = 5

func (h forgetHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	_, found, err := records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, t.Key)
	return found, err
}

func (h forgetHandler) Run(ctx context.Context, t *queue.Task) error {
	var pf records.PendingForget
	err := h.s.store.View(ctx, func(tx store.Tx) error {
		var err error
		pf, _, err = records.GetDoc[records.PendingForget](tx, records.CollPendingForgets, t.Key)
		return err
	})
	if err != nil {
		return err
	}
	done := func(tx store.Tx) error { return tx.Delete(records.CollPendingForgets, t.Key) }
	repo, err := h.s.openPointRepo(ctx, records.Vault{AccountID: pf.AccountID, Region: pf.Region, Name: pf.Vault}, pf.Tier)
	if errors.Is(err, jobs.ErrNoRepository) {
		return t.Finish(ctx, done) // the vault (and its repository) is gone already
	}
	if err != nil {
		return err
	}
	if pf.SnapshotID == "" {
		// Only collect garbage.
	} else if err := repo.Forget(ctx, content.SnapshotID(pf.SnapshotID)); err != nil {
		if _, statErr := repo.Snapshot(ctx, content.SnapshotID(pf.SnapshotID)); statErr == nil {
			return fmt.Errorf("forget snapshot %s of %s: %w", pf.SnapshotID, pf.Point, err)
		}
		// The snapshot is not there: forgotten by an earlier attempt that died before finishing.
	}
	stats, err := repo.GC(ctx)
	if err != nil {
		h.s.log.Warn("collecting unreferenced data failed; the next deletion collects it", slog.String("vault", pf.Vault), slog.Any("error", err))
	} else {
		h.s.log.Info("deleted a recovery point's data", slog.String("recovery_point_arn", pf.Point),
			slog.Int64("packs_removed", stats.PacksRemoved), slog.Int64("bytes_removed", stats.BytesRemoved))
	}
	return t.Finish(ctx, done)
}

func (h forgetHandler) Abandoned(tx store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	if t.Attempt < maxForgetAttempts {
		return true, nil, nil
	}
	h.s.log.Error("giving up removing a deleted recovery point's data", slog.String("key", t.Key), slog.String("reason", reason))
	err := tx.Delete(records.CollPendingForgets, t.Key)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return false, nil, err
}
