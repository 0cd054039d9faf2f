package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// DefaultHoldBatch is how many documents one legal hold resolution or release step examines.
const DefaultHoldBatch = 1000

// addMember records that h holds rp.
func addMember(tx store.Tx, h records.LegalHold, rp records.RecoveryPoint) error {
	scope := h.AccountID + "/" + h.Region + "/"
	if err := records.PutDoc(tx, records.CollLegalHoldPoints, scope+h.ID+"/"+rp.ID, records.HoldMember{PointID: rp.ID, PointARN: rp.ARN,
		VaultName: rp.VaultName, ResourceARN: rp.ResourceARN, ResourceType: rp.ResourceType}); err != nil {
		return err
	}
	return records.PutDoc(tx, records.CollPointLegalHolds, scope+rp.ID+"/"+h.ID, records.HoldRef{HoldID: h.ID})
}

// AdvanceHold does one step of a hold's pending work, examining at most batch documents, and
// stores the hold. CREATING: it resolves the next points of the account in key order, holding
// those the hold covers, and turns ACTIVE when none are left. CANCELING: it releases the next
// points the hold holds, and turns CANCELED when none are left. A settled hold is left as it is.
func AdvanceHold(tx store.Tx, h *records.LegalHold, batch int) error {
	if batch <= 0 {
		batch = DefaultHoldBatch
	}
	scope := h.AccountID + "/" + h.Region + "/"
	switch h.Status {
	case records.LegalHoldCreating:
		docs, err := tx.Scan(records.CollRecoveryPoints, scope, h.Cursor, batch)
		if err != nil {
			return err
		}
		for _, d := range docs {
			rp, found, err := records.GetDoc[records.RecoveryPoint](tx, records.CollRecoveryPoints, d.Key)
			if err != nil {
				return err
			}
			if found && h.Covers(rp) {
				if err := addMember(tx, *h, rp); err != nil {
					return err
				}
			}
			h.Cursor = d.Key
		}
		if len(docs) < batch {
			h.Status, h.Cursor = records.LegalHoldActive, ""
		}
	case records.LegalHoldCanceling:
		docs, err := tx.Scan(records.CollLegalHoldPoints, scope+h.ID+"/", h.Cursor, batch)
		if err != nil {
			return err
		}
		for _, d := range docs {
			pointID := d.Key[strings.LastIndex(d.Key, "/")+1:]
			if err := records.DeleteIfExists(tx, records.CollPointLegalHolds, scope+pointID+"/"+h.ID); err != nil {
				return err
			}
			h.Cursor = d.Key
		}
		if len(docs) < batch {
			h.Status, h.Cursor = records.LegalHoldCanceled, ""
		}
	default:
		return nil
	}
	return records.PutDoc(tx, records.CollLegalHolds, h.Key(), h)
}

// QueueHoldWork queues the task that finishes a hold's pending work, unless one is queued already
// (a running task re-reads the hold at every step, so it picks up a cancellation too).
func QueueHoldWork(tx store.Tx, h records.LegalHold) error {
	if h.Settled() {
		return nil
	}
	queued, _, err := queue.Claimed(tx, KindLegalHold, h.Key())
	if err != nil || queued {
		return err
	}
	return queue.Enqueue(tx, KindLegalHold, h.Key())
}

// legalHoldHandler takes the steps of holds that one transaction did not settle.
type legalHoldHandler struct{ x *executor }

// errHoldNotSettled makes a finishing transaction roll back when the hold got more work meanwhile
// (a cancellation), so the task goes on.
var errHoldNotSettled = errors.New("legal hold has more work")

func (h legalHoldHandler) Start(tx store.Tx, t *queue.Task, _ bool) (bool, error) {
	hold, found, err := records.GetDoc[records.LegalHold](tx, records.CollLegalHolds, t.Key)
	return found && !hold.Settled(), err
}

func (h legalHoldHandler) Run(ctx context.Context, t *queue.Task) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		settled := false
		err := t.Update(ctx, func(tx store.Tx) error {
			hold, found, err := records.GetDoc[records.LegalHold](tx, records.CollLegalHolds, t.Key)
			if err != nil || !found {
				settled = true
				return err
			}
			if err := AdvanceHold(tx, &hold, h.x.holdBatch); err != nil {
				return err
			}
			settled = hold.Settled()
			return nil
		})
		if err != nil {
			return err
		}
		if !settled {
			continue
		}
		// The settled holds are mirrored onto S3 legal holds of the points' objects, where a
		// vault's storage has Object Lock; a failure retries the task.
		if account, rest, ok := strings.Cut(t.Key, "/"); ok {
			region, _, _ := strings.Cut(rest, "/")
			if err := SyncLegalHolds(ctx, h.x.store, h.x.repos, account, region); err != nil {
				return fmt.Errorf("mirror legal holds onto S3 legal holds: %w", err)
			}
		}
		// Remove the task, unless a cancellation gave the hold more work since the last step.
		err = t.Finish(ctx, func(tx store.Tx) error {
			hold, found, err := records.GetDoc[records.LegalHold](tx, records.CollLegalHolds, t.Key)
			if err == nil && found && !hold.Settled() {
				err = errHoldNotSettled
			}
			return err
		})
		if err == nil {
			h.x.log.Info("legal hold settled", slog.String("hold", t.Key))
			return nil
		}
		if !errors.Is(err, errHoldNotSettled) {
			return err
		}
	}
}

// Abandoned always retries: every step is idempotent and resumes from the hold's cursor.
func (h legalHoldHandler) Abandoned(_ store.Tx, t *queue.Task, reason string) (bool, func(), error) {
	h.x.log.Warn("legal hold work interrupted; resuming", slog.String("hold", t.Key), slog.String("reason", reason))
	return true, nil, nil
}
