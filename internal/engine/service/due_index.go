package service

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// buildDueIndex indexes the windows of unfinished backup jobs and the lifecycles of recovery
// points, once per store: stores written by an engine that predates the due index get it built
// at Start.
func (s *Service) buildDueIndex(ctx context.Context) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		built, err := records.DueIndexBuilt(tx)
		if err != nil || built {
			return err
		}
		points, err := tx.Scan(records.CollRecoveryPoints, "", "", 0)
		if err != nil {
			return err
		}
		for _, d := range points {
			var rp records.RecoveryPoint
			if err := json.Unmarshal(d.Value, &rp); err != nil {
				return fmt.Errorf("decode %s/%s: %w", records.CollRecoveryPoints, d.Key, err)
			}
			if err := indexLifecycle(tx, rp); err != nil {
				return err
			}
		}
		jobDocs, err := tx.Scan(records.CollBackupJobs, "", "", 0)
		if err != nil {
			return err
		}
		for _, d := range jobDocs {
			var j records.BackupJob
			if err := json.Unmarshal(d.Value, &j); err != nil {
				return fmt.Errorf("decode %s/%s: %w", records.CollBackupJobs, d.Key, err)
			}
			if records.BackupJobDone(j.State) {
				continue
			}
			if j.State == BackupJobCreated && !j.StartBy.IsZero() {
				if err := records.SetDue(tx, records.DueStartBy, j.Key(), j.StartBy); err != nil {
					return err
				}
			}
			if !j.CompleteBy.IsZero() {
				if err := records.SetDue(tx, records.DueCompleteBy, j.Key(), j.CompleteBy); err != nil {
					return err
				}
			}
		}
		return records.MarkDueIndexBuilt(tx)
	})
}
