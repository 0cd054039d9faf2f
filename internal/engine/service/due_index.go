package service

import (
	"context"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
)

// buildDueIndex builds the due index of a store written by an engine that predates it
// (records.BuildDueIndex).
func (s *Service) buildDueIndex(ctx context.Context) error {
	return s.store.Update(ctx, records.BuildDueIndex)
}
