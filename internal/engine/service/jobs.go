package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
)

// Start starts the domain's background work: the scheduler, once the due index is built. The
// job runner and event delivery are started by whoever made them (engine.Open), after this.
func (s *Service) Start() {
	// A store written by an engine that predates the due index gets it built first.
	if err := s.store.Update(context.Background(), records.BuildDueIndex); err != nil {
		s.log.Error("indexing job windows and lifecycles failed; the scheduler may miss some", slog.Any("error", err))
	}
	s.sched.Start()
}

// Close stops the scheduler. Stop the job runner after it, so the jobs the scheduler stopped
// record that they were stopped.
func (s *Service) Close() error {
	s.sched.Stop()
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
