package service

import (
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
)

// newJobID and newPointID are jobs.NewJobID and jobs.NewPointID, which copy actions share.
func newJobID() string { return jobs.NewJobID() }

func newPointID() string { return jobs.NewPointID() }

// How long DeleteBackupVault waits for a removal in flight, and how often it looks again.
const (
	removalPatience = 30 * time.Second
	removalPoll     = 50 * time.Millisecond
)
