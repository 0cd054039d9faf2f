package service

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
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

// newJobID returns a job or recovery point ID. UUIDv7 IDs sort by creation time, so documents
// keyed by them list in creation order.
func newJobID() string { return strings.ToUpper(uuid.Must(uuid.NewV7()).String()) }

func newPointID() string { return uuid.Must(uuid.NewV7()).String() }

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

// openColdRepo opens vault v's cold-storage repository.
func (s *Service) openColdRepo(ctx context.Context, v records.Vault, create bool) (*content.Repository, error) {
	if s.repos == nil {
		return nil, errors.New("this engine was started without a data dir for vault repositories")
	}
	return refusedRepo(s.repos.OpenCold(ctx, v.AccountID, v.Region, v.Name, v.EncryptionKeyARN, create))
}

// openPointRepo opens the repository holding a point's data: the vault's cold repository for a
// COLD point, its warm one otherwise.
func (s *Service) openPointRepo(ctx context.Context, v records.Vault, storageClass string) (*content.Repository, error) {
	if storageClass == StorageClassCold {
		return s.openColdRepo(ctx, v, false)
	}
	return s.openRepo(ctx, v, false)
}
