package service

import (
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// frameworkChanged re-evaluates a framework whose controls changed.
func (s *Service) frameworkChanged(tx store.Tx, f records.Framework) error { return nil }
