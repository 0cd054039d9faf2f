package records

import (
	"slices"
	"time"

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
