package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
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
	// A store written by an engine that predates the due index gets it built first.
	if err := s.store.Update(context.Background(), records.BuildDueIndex); err != nil {
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

// newJobID and newPointID are jobs.NewJobID and jobs.NewPointID, which copy actions share.
func newJobID() string { return jobs.NewJobID() }

func newPointID() string { return jobs.NewPointID() }

// How long DeleteBackupVault waits for a removal in flight, and how often it looks again.
const (
	removalPatience = 30 * time.Second
	removalPoll     = 50 * time.Millisecond
)
