package records

import (
	"slices"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Legal hold statuses (the model's LegalHoldStatus).
const (
	LegalHoldCreating  = "CREATING"
	LegalHoldActive    = "ACTIVE"
	LegalHoldCanceling = "CANCELING"
	LegalHoldCanceled  = "CANCELED"
)

// LegalHold is a legal hold as stored, in CollLegalHolds under HoldKey.
type LegalHold struct {
	ID                string                       `json:"id"`
	ARN               string                       `json:"arn"`
	AccountID         string                       `json:"account_id"`
	Region            string                       `json:"region"`
	Title             string                       `json:"title"`
	Description       string                       `json:"description"`
	Selection         *wire.RecoveryPointSelection `json:"selection,omitempty"`
	Status            string                       `json:"status"`
	CreationDate      time.Time                    `json:"creation_date"`
	CancellationDate  time.Time                    `json:"cancellation_date,omitzero"`
	CancelDescription string                       `json:"cancel_description,omitempty"`
	RetainRecordUntil time.Time                    `json:"retain_record_until,omitzero"`
	// Cursor is the last key the pending step sequence has done: a CollRecoveryPoints key while
	// CREATING, a CollLegalHoldPoints key while CANCELING.
	Cursor string `json:"cursor,omitempty"`
}

// ListOrder is the order ListLegalHolds gives: creation time, then ID.
func (h *LegalHold) ListOrder() (time.Time, string) { return h.CreationDate, h.ID }

// Key is the hold's key in CollLegalHolds.
func (h LegalHold) Key() string { return HoldKey(h.AccountID, h.Region, h.ID) }

// Settled reports whether the hold has no pending work: ACTIVE or CANCELED.
func (h LegalHold) Settled() bool {
	return h.Status == LegalHoldActive || h.Status == LegalHoldCanceled
}

// VisibleAt reports whether the hold's record still exists at now: a cancelled hold's record is
// kept until RetainRecordUntil, then it is gone from every call.
func (h LegalHold) VisibleAt(now time.Time) bool {
	return h.Status != LegalHoldCanceled || h.RetainRecordUntil.IsZero() || now.Before(h.RetainRecordUntil)
}

// Covers reports whether the hold's selection includes rp (service/legal_holds.go says what AWS
// means by it). Points created after the hold are never covered.
func (h LegalHold) Covers(rp RecoveryPoint) bool {
	if rp.Status != RecoveryPointCompleted && rp.Status != RecoveryPointPartial {
		return false
	}
	created := rp.CreationDate.Truncate(time.Millisecond) // the wire's precision, so dates users copy from the API match
	if created.After(h.CreationDate) {
		return false
	}
	sel := h.Selection
	if sel == nil {
		return true
	}
	if len(sel.VaultNames) > 0 && !slices.Contains(sel.VaultNames, rp.VaultName) {
		return false
	}
	if len(sel.ResourceIdentifiers) > 0 && !slices.Contains(sel.ResourceIdentifiers, rp.ResourceARN) {
		return false
	}
	if r := sel.DateRange; r != nil {
		if created.Before(r.FromDate.Time()) || created.After(r.ToDate.Time()) {
			return false
		}
	}
	return true
}

// HoldMember is one point a hold covers, as ListRecoveryPointsByLegalHold shows it, in
// CollLegalHoldPoints.
type HoldMember struct {
	PointID      string `json:"point_id"`
	PointARN     string `json:"point_arn"`
	VaultName    string `json:"vault_name"`
	ResourceARN  string `json:"resource_arn"`
	ResourceType string `json:"resource_type"`
}

// HoldRef marks a point as held by a hold, in CollPointLegalHolds.
type HoldRef struct {
	HoldID string `json:"hold_id"`
}

// CountHeldPoints counts the points of vault v that legal holds hold.
func CountHeldPoints(tx store.Tx, v Vault) (int, error) {
	docs, err := tx.Scan(CollRecoveryPoints, VaultKey(v.AccountID, v.Region, v.Name)+"/", "", 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range docs {
		id := d.Key[strings.LastIndex(d.Key, "/")+1:]
		held, err := PointHeld(tx, RecoveryPoint{AccountID: v.AccountID, Region: v.Region, ID: id})
		if err != nil {
			return 0, err
		}
		if held {
			n++
		}
	}
	return n, nil
}

// CountActiveHolds counts the holds of account and region that are being created or are active.
func CountActiveHolds(tx store.Tx, account, region string) (int, error) {
	docs, err := tx.Scan(CollLegalHolds, account+"/"+region+"/", "", 0)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range docs {
		h, found, err := GetDoc[LegalHold](tx, CollLegalHolds, d.Key)
		if err != nil {
			return 0, err
		}
		if found && (h.Status == LegalHoldCreating || h.Status == LegalHoldActive) {
			n++
		}
	}
	return n, nil
}

// PurgeExpiredHolds removes the records of the cancelled holds of account and region whose
// RetainRecordUntil has passed: the hold, the list of points it held, and its tags. They are
// already invisible to every call (VisibleAt); this reclaims their space. The domain runs it in the
// transactions that create and cancel holds.
func PurgeExpiredHolds(tx store.Tx, account, region string, now time.Time) error {
	docs, err := tx.Scan(CollLegalHolds, account+"/"+region+"/", "", 0)
	if err != nil {
		return err
	}
	for _, d := range docs {
		h, found, err := GetDoc[LegalHold](tx, CollLegalHolds, d.Key)
		if err != nil {
			return err
		}
		if !found || h.VisibleAt(now) {
			continue
		}
		members, err := tx.Scan(CollLegalHoldPoints, h.Key()+"/", "", 0)
		if err != nil {
			return err
		}
		for _, m := range members {
			if err := tx.Delete(CollLegalHoldPoints, m.Key); err != nil {
				return err
			}
		}
		if err := DeleteIfExists(tx, CollTags, h.ARN); err != nil {
			return err
		}
		if err := tx.Delete(CollLegalHolds, d.Key); err != nil {
			return err
		}
	}
	return nil
}

// FindHold returns the legal hold of account and region by ID, or ResourceNotFoundException.
func FindHold(tx store.Tx, account, region, id string, now time.Time) (LegalHold, error) {
	h, found, err := GetDoc[LegalHold](tx, CollLegalHolds, HoldKey(account, region, id))
	if err != nil {
		return h, err
	}
	if !found || !h.VisibleAt(now) {
		return h, apierr.NotFound("legal hold %s does not exist in account %s, region %s (the record of a cancelled hold is removed after its RetainRecordInDays)", id, account, region)
	}
	return h, nil
}
