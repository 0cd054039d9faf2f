package records

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// Plan is a backup plan as stored in CollPlans under PlanKey: its identity, and a summary of its
// current version so lists need not read versions. Each version's content is a PlanVersion
// document.
type Plan struct {
	ID               string     `json:"id"`
	ARN              string     `json:"arn"`
	AccountID        string     `json:"account_id"`
	Region           string     `json:"region"`
	CreatorRequestID string     `json:"creator_request_id,omitempty"`
	DeletionDate     *time.Time `json:"deletion_date,omitempty"`
	// The current version.
	Name                   string                       `json:"name"`
	VersionID              string                       `json:"version_id"`
	VersionCreationDate    time.Time                    `json:"version_creation_date"`
	AdvancedBackupSettings []wire.AdvancedBackupSetting `json:"advanced_backup_settings,omitempty"`
	// Versions lists every version, oldest first.
	Versions []PlanVersionRef `json:"versions"`
	// LastExecutionDate is when a rule of the plan last fired (package scheduler).
	LastExecutionDate *time.Time `json:"last_execution_date,omitempty"`
}

// PlanVersionRef names one stored version of a plan: its ID and its sequence number in
// CollPlanVersions (PlanVersionKey).
type PlanVersionRef struct {
	ID  string `json:"id"`
	Seq int    `json:"seq"`
}

// PlanVersion is one version of a plan, in CollPlanVersions: what the plan said from
// CreationDate on.
type PlanVersion struct {
	VersionID    string          `json:"version_id"`
	CreationDate time.Time       `json:"creation_date"`
	Plan         wire.BackupPlan `json:"plan"`
}

// Key is the plan's key in CollPlans.
func (p *Plan) Key() string { return PlanKey(p.AccountID, p.Region, p.ID) }

// Deleted reports whether the plan was deleted (it stays readable, with its versions).
func (p *Plan) Deleted() bool { return p.DeletionDate != nil }

// ReadPlanVersion returns version versionID of plan p, or ResourceNotFoundException when p has no
// such version.
func ReadPlanVersion(tx store.Tx, p Plan, versionID string) (PlanVersion, error) {
	for _, ref := range p.Versions {
		if ref.ID != versionID {
			continue
		}
		v, found, err := GetDoc[PlanVersion](tx, CollPlanVersions, PlanVersionKey(p.Key(), ref.Seq))
		if err != nil {
			return v, err
		}
		if !found {
			return v, fmt.Errorf("plan %s: version %s is listed but not stored", p.ID, versionID)
		}
		return v, nil
	}
	return PlanVersion{}, apierr.NotFound("Backup plan %s has no version %s: list its versions with ListBackupPlanVersions", p.ID, versionID)
}

// LivePlans returns the plans under prefix (a scope such as {account}/{region}/, or "" for all)
// that are not deleted, in key order.
func LivePlans(tx store.Tx, prefix string) ([]Plan, error) {
	docs, err := tx.Scan(CollPlans, prefix, "", 0)
	if err != nil {
		return nil, err
	}
	var out []Plan
	for _, d := range docs {
		var p Plan
		if err := json.Unmarshal(d.Value, &p); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", CollPlans, d.Key, err)
		}
		if !p.Deleted() {
			out = append(out, p)
		}
	}
	return out, nil
}

// Selection is a backup selection as stored in CollSelections under SelectionKey.
type Selection struct {
	ID               string               `json:"id"`
	PlanID           string               `json:"plan_id"`
	CreatorRequestID string               `json:"creator_request_id,omitempty"`
	CreationDate     time.Time            `json:"creation_date"`
	Selection        wire.BackupSelection `json:"selection"`
}

// PlanSelections returns plan p's selections, in key order.
func PlanSelections(tx store.Tx, p Plan) ([]Selection, error) {
	docs, err := tx.Scan(CollSelections, p.Key()+"/", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]Selection, 0, len(docs))
	for _, d := range docs {
		var r Selection
		if err := json.Unmarshal(d.Value, &r); err != nil {
			return nil, fmt.Errorf("decode %s/%s: %w", CollSelections, d.Key, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// RuleCursor is the last instant a plan rule fired, in CollRuleCursors under RuleCursorKey.
type RuleCursor struct {
	Last time.Time `json:"last"`
}
