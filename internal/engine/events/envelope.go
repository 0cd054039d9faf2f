package events

import (
	"strings"
	"time"
)

// Envelope is an event as Amazon EventBridge delivers AWS Backup's events: the event log's line
// and the body POSTed to an event rule's webhook. The detail types and detail members follow
// "Monitoring AWS Backup events using Amazon EventBridge"
// (https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html) and "AWS Backup
// events" (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-backup.html).
//
// ID is the first member, not version as in AWS's examples: JSON members are unordered, and the
// log writer recognises a line it already wrote by its `{"id":"` start (tailIDs).
type Envelope struct {
	ID         string    `json:"id"`
	Version    string    `json:"version"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       time.Time `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
	Detail     Detail    `json:"detail"`
}

// Detail is an envelope's detail: AWS Backup's members for the detail type, then the engine's
// own (EngineEvent, Message, SNSTopicArn), which keep the SNS notification an event also is.
type Detail struct {
	BackupJobID          string `json:"backupJobId,omitempty"`
	CopyJobID            string `json:"copyJobId,omitempty"`
	RestoreJobID         string `json:"restoreJobId,omitempty"`
	BackupPlanID         string `json:"backupPlanId,omitempty"`
	BackupVaultArn       string `json:"backupVaultArn,omitempty"`
	SourceBackupVaultArn string `json:"sourceBackupVaultArn,omitempty"`
	BackupVaultName      string `json:"backupVaultName,omitempty"`
	ResourceArn          string `json:"resourceArn,omitempty"`
	ResourceType         string `json:"resourceType,omitempty"`
	RecoveryPointArn     string `json:"recoveryPointArn,omitempty"`
	// State is a backup or copy job's, a vault's or a plan's; restore jobs and recovery points
	// report Status (as the AWS Backup API does, and the developer guide notes).
	State         string `json:"state,omitempty"`
	Status        string `json:"status,omitempty"`
	StatusMessage string `json:"statusMessage,omitempty"`
	// EngineEvent is the BackupVaultEvent the engine recorded (BACKUP_JOB_FAILED, ...).
	EngineEvent string `json:"engineEvent"`
	Message     string `json:"message,omitempty"`
	SNSTopicArn string `json:"snsTopicArn,omitempty"`
	// CreatedBy names the restore testing plan that started a restore job: what a restore
	// test's validator reads (detail.createdBy.restoreTestingPlanArn in the developer guide's
	// restore-testing-validation example).
	CreatedBy *DetailCreator `json:"createdBy,omitempty"`
}

// DetailCreator is an event detail's createdBy.
type DetailCreator struct {
	RestoreTestingPlanArn string `json:"restoreTestingPlanArn,omitempty"`
}

// Source is every envelope's source.
const Source = "aws.backup"

// detailTypes maps an event type's prefix to its EventBridge detail type.
var detailTypes = []struct{ prefix, detailType string }{
	{"BACKUP_JOB_", "Backup Job State Change"},
	{"COPY_JOB_", "Copy Job State Change"},
	{"RESTORE_JOB_", "Restore Job State Change"},
	{"RECOVERY_POINT_", "Recovery Point State Change"},
	{"BACKUP_VAULT_", "Backup Vault State Change"},
	{"BACKUP_PLAN_", "Backup Plan State Change"},
}

// DetailType is the EventBridge detail type of an event of type t.
func DetailType(t string) string {
	for _, d := range detailTypes {
		if strings.HasPrefix(t, d.prefix) {
			return d.detailType
		}
	}
	return "AWS Backup Event"
}

// Envelope returns ev as EventBridge delivers it.
func (ev Event) Envelope() Envelope {
	dt := DetailType(ev.Type)
	d := Detail{BackupJobID: ev.BackupJobID, CopyJobID: ev.CopyJobID, RestoreJobID: ev.RestoreJobID, BackupPlanID: ev.BackupPlanID,
		BackupVaultArn: ev.VaultARN, BackupVaultName: ev.VaultName, ResourceArn: ev.ResourceARN, ResourceType: ev.ResourceType,
		RecoveryPointArn: ev.RecoveryPointARN, StatusMessage: ev.StatusMessage, EngineEvent: ev.Type, Message: ev.Message, SNSTopicArn: ev.SNSTopicArn}
	switch dt {
	case "Restore Job State Change", "Recovery Point State Change":
		d.Status = ev.State
	default:
		d.State = ev.State
	}
	if ev.RestoreTestingPlanARN != "" {
		d.CreatedBy = &DetailCreator{RestoreTestingPlanArn: ev.RestoreTestingPlanARN}
	}
	if dt == "Copy Job State Change" {
		// A copy job's vault is its source; AWS names the member for it.
		d.SourceBackupVaultArn, d.BackupVaultArn = ev.VaultARN, ""
	}
	resources := []string{}
	for _, arn := range []string{ev.RecoveryPointARN, ev.ResourceARN} {
		if arn != "" {
			resources = append(resources, arn)
		}
	}
	return Envelope{ID: ev.ID, Version: "0", DetailType: dt, Source: Source, Account: ev.AccountID, Time: ev.Time.UTC(),
		Region: ev.Region, Resources: resources, Detail: d}
}

// Event returns the event an envelope carries.
func (e Envelope) Event() Event {
	d := e.Detail
	return Event{ID: e.ID, Time: e.Time, Type: d.EngineEvent, State: d.State + d.Status, AccountID: e.Account, Region: e.Region,
		VaultName: d.BackupVaultName, VaultARN: d.BackupVaultArn + d.SourceBackupVaultArn, ResourceARN: d.ResourceArn, ResourceType: d.ResourceType,
		BackupJobID: d.BackupJobID, RestoreJobID: d.RestoreJobID, CopyJobID: d.CopyJobID, BackupPlanID: d.BackupPlanID,
		RecoveryPointARN: d.RecoveryPointArn, StatusMessage: d.StatusMessage, Message: d.Message, SNSTopicArn: d.SNSTopicArn,
		RestoreTestingPlanARN: creatorPlan(d.CreatedBy)}
}

func creatorPlan(c *DetailCreator) string {
	if c == nil {
		return ""
	}
	return c.RestoreTestingPlanArn
}
