// Package events delivers what happened to jobs and recovery points, once the domain has recorded
// it in the transaction that made it happen. The domain decides which events there are and which
// SNS topic a vault notifies; this package only stores and sends them.
//
//   - Every event goes to the data dir's append-only event log (LogFile, one EventBridge
//     envelope per line: Envelope). Record writes it to an outbox in the store; a writer in each engine process moves
//     outbox entries to the file under an exclusive file lock, fsyncs, and only then removes them
//     from the outbox. If a process dies between the fsync and the removal, the next writer finds
//     the entries already at the end of the file (it reads the file's tail for their IDs) and
//     does not write them twice.
//   - An event that names an SNS topic (Event.SNSTopicArn) is also delivered to the webhook the
//     engine config maps that topic to, as an SNS notification would be: at least once, from a
//     queued task (so a crash does not lose it), retried with exponential backoff up to the
//     topic's max_attempts. Webhooks is the queue.Handler that runs those tasks.
//   - An event whose envelope an event rule's pattern matches (config event_rules) is delivered
//     to the rule's webhook the same way, as its envelope. RuleTargets runs those tasks.
//
// The outbox, the log writer and the delivery retries are hand-written: they are a few hundred
// lines over the engine's own transactional store, which is what makes an event and the change
// it reports commit together; a message broker would be a second store to keep consistent.
package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Event is one entry of the event log.
type Event struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Type is a BackupVaultEvent: BACKUP_JOB_STARTED, BACKUP_JOB_SUCCESSFUL, ...
	Type string `json:"event"`
	// State is the job's state (or, for RECOVERY_POINT_MODIFIED, the point's storage class or
	// status) after the change.
	State            string `json:"state,omitempty"`
	AccountID        string `json:"account_id"`
	Region           string `json:"region"`
	VaultName        string `json:"backup_vault_name,omitempty"`
	VaultARN         string `json:"backup_vault_arn,omitempty"`
	ResourceARN      string `json:"resource_arn,omitempty"`
	ResourceType     string `json:"resource_type,omitempty"`
	BackupJobID      string `json:"backup_job_id,omitempty"`
	RestoreJobID     string `json:"restore_job_id,omitempty"`
	CopyJobID        string `json:"copy_job_id,omitempty"`
	BackupPlanID     string `json:"backup_plan_id,omitempty"`
	RecoveryPointARN string `json:"recovery_point_arn,omitempty"`
	StatusMessage    string `json:"status_message,omitempty"`
	// Message says what happened in a sentence, as AWS Backup's SNS messages do.
	Message string `json:"message,omitempty"`
	// SNSTopicArn is set when the vault's notification configuration asks for this event.
	SNSTopicArn string `json:"sns_topic_arn,omitempty"`
	// RestoreTestingPlanARN is set on the events of restore jobs a restore testing plan started.
	RestoreTestingPlanARN string `json:"restore_testing_plan_arn,omitempty"`
}

// LogFile is the event log's name in a data dir.
const LogFile = "events.jsonl"

// Collections of the documents this package stores, and the kind of its queued tasks.
const (
	// collOutbox holds the recorded events not yet in the event log file, keyed by event ID.
	collOutbox = "event-outbox"
	// collDeliveries holds the events on their way to a webhook, keyed by event ID.
	collDeliveries = "event-deliveries"
	// DeliveryKind is the jobs kind of a webhook delivery task (keyed by event ID). Register
	// Webhooks under it.
	DeliveryKind = "notify"
)

// ReadLog reads the event log of a data dir (its envelopes, as the events they carry): for tests, the CLI and operators' tools. A missing
// log is empty.
func ReadLog(path string) ([]Event, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Event
	for i, line := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var env Envelope
		if err := json.Unmarshal(line, &env); err != nil {
			return out, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		out = append(out, env.Event())
	}
	return out, nil
}
