package service

import (
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// The states of AWS Backup's "Backup Vault State Change" and "Backup Plan State Change" events
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html, "Backup Vault events"
// and "Backup plan events"): a vault is CREATED, MODIFIED (its lock put or removed, with isLocked)
// or DELETED; a plan is CREATED, MODIFIED (a new version) or DELETED.
const (
	stateCreated  = "CREATED"
	stateModified = "MODIFIED"
	stateDeleted  = "DELETED"
)

// insertVaultRecording inserts a new vault (records.InsertVault) and records its CREATED event;
// a retry that InsertVault answers with the vault an earlier call made records nothing.
func (s *Service) insertVaultRecording(tx store.Tx, v *records.Vault, tags map[string]string) error {
	_, existed, err := records.GetDoc[records.Vault](tx, records.CollVaults, records.VaultKey(v.AccountID, v.Region, v.Name))
	if err != nil {
		return err
	}
	if err := records.InsertVault(tx, v, tags); err != nil || existed {
		return err
	}
	return s.recordVaultState(tx, *v, stateCreated, v.CreationDate)
}

// recordVaultState records a Backup Vault State Change of v in tx. A MODIFIED event says whether
// the vault is locked now.
func (s *Service) recordVaultState(tx store.Tx, v records.Vault, state string, at time.Time) error {
	ev := events.Event{Type: "BACKUP_VAULT_" + state, State: state, Time: at, AccountID: v.AccountID, Region: v.Region,
		VaultName: v.Name, VaultARN: v.ARN, Message: fmt.Sprintf("Backup vault %s was %s.", v.Name, pastTense(state))}
	if state == stateModified {
		locked := v.Lock != nil
		ev.VaultLocked = &locked
	}
	return events.RecordForVault(tx, s.events, ev)
}

// recordPlanState records a Backup Plan State Change of p (at its current version) in tx.
func (s *Service) recordPlanState(tx store.Tx, p records.Plan, state string, at time.Time) error {
	return events.RecordForVault(tx, s.events, events.Event{Type: "BACKUP_PLAN_" + state, State: state, Time: at, AccountID: p.AccountID,
		Region: p.Region, BackupPlanID: p.ID, BackupPlanARN: p.ARN, BackupPlanVersionID: p.VersionID,
		Message: fmt.Sprintf("Backup plan %s was %s.", p.ID, pastTense(state))})
}

func pastTense(state string) string {
	switch state {
	case stateCreated:
		return "created"
	case stateDeleted:
		return "deleted"
	}
	return "modified"
}
