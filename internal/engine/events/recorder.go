package events

import (
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Recorder records events in the transactions that made them happen and delivers them once
// committed (Outbox). The domain, the job handlers and the scheduler all record through it.
type Recorder interface {
	// Record records ev in tx; ID and Time are filled in when empty.
	Record(tx store.Tx, ev Event) error
	// Recorded wakes the delivery after a transaction that recorded events committed.
	Recorded()
	// Logged reports whether every recorded event is in the event log.
	Logged(tx store.Tx) (bool, error)
}

// Nop records nothing: for an engine built without event delivery.
type Nop struct{}

func (Nop) Record(store.Tx, Event) error  { return nil }
func (Nop) Recorded()                     {}
func (Nop) Logged(store.Tx) (bool, error) { return true, nil }

// completionUmbrella maps an event to the "COMPLETED" event that also subscribes to it: "
// Subscribing to Completed events is equivalent to subscribing to Successful, Failed, or Expired
// events" (AWS Backup developer guide, Amazon SNS notifications).
var completionUmbrella = map[string]string{
	"BACKUP_JOB_SUCCESSFUL":  "BACKUP_JOB_COMPLETED",
	"BACKUP_JOB_FAILED":      "BACKUP_JOB_COMPLETED",
	"BACKUP_JOB_EXPIRED":     "BACKUP_JOB_COMPLETED",
	"RESTORE_JOB_SUCCESSFUL": "RESTORE_JOB_COMPLETED",
	"RESTORE_JOB_FAILED":     "RESTORE_JOB_COMPLETED",
}

// notifies reports whether a vault configured with events is notified of an event of type t.
func notifies(configured []string, t string) bool {
	return slices.Contains(configured, t) || (completionUmbrella[t] != "" && slices.Contains(configured, completionUmbrella[t]))
}

// RecordForVault records ev through r in tx, addressed to the vault's SNS topic when the vault's
// notification configuration asks for it. It is the one way events are recorded; call
// r.Recorded after the transaction commits.
func RecordForVault(tx store.Tx, r Recorder, ev Event) error {
	if ev.VaultName != "" {
		n, found, err := records.GetDoc[records.VaultNotifications](tx, records.CollVaultNotifications, records.VaultKey(ev.AccountID, ev.Region, ev.VaultName))
		if err != nil {
			return err
		}
		if found && notifies(n.BackupVaultEvents, ev.Type) {
			ev.SNSTopicArn = n.SNSTopicArn
		}
	}
	return r.Record(tx, ev)
}
