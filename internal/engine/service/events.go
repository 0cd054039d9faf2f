package service

import (
	"slices"

	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// Events: what happened to jobs and recovery points, recorded in the transaction that made it
// happen. The domain decides which events there are and which SNS topic a vault's notification
// configuration sends each to; package events stores them in its outbox and delivers them (the
// event log, webhooks). recordEvent is the one way to record an event; the job state changes call
// it through saveBackupJob and saveRestoreJob.

// EventRecorder records events in the domain's transactions and delivers them once committed
// (package events' Outbox).
type EventRecorder interface {
	// Record records ev in tx; ID and Time are filled in when empty.
	Record(tx store.Tx, ev events.Event) error
	// Recorded wakes the delivery after a transaction that recorded events committed.
	Recorded()
	// Logged reports whether every recorded event is in the event log.
	Logged(tx store.Tx) (bool, error)
}

// noEvents records nothing: a service built without an EventRecorder.
type noEvents struct{}

func (noEvents) Record(store.Tx, events.Event) error { return nil }
func (noEvents) Recorded()                           {}
func (noEvents) Logged(store.Tx) (bool, error)       { return true, nil }

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

// recordEvent records ev in tx, addressed to the vault's SNS topic when the vault's notification
// configuration asks for it. Call s.eventsRecorded after the transaction commits.
func (s *Service) recordEvent(tx store.Tx, ev events.Event) error {
	if ev.VaultName != "" {
		n, found, err := records.GetDoc[records.VaultNotifications](tx, records.CollVaultNotifications, records.VaultKey(ev.AccountID, ev.Region, ev.VaultName))
		if err != nil {
			return err
		}
		if found && notifies(n.BackupVaultEvents, ev.Type) {
			ev.SNSTopicArn = n.SNSTopicArn
		}
	}
	return s.events.Record(tx, ev)
}

// eventsRecorded wakes the event delivery after a transaction recorded events.
func (s *Service) eventsRecorded() { s.events.Recorded() }
