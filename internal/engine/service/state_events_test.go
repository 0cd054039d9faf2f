package service

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/arns"
	"github.com/strongroom/terraform-provider-backup/internal/engine/events"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// capturedEvents is an events.Recorder that keeps what is recorded.
type capturedEvents struct{ evs []events.Event }

func (c *capturedEvents) Record(_ store.Tx, ev events.Event) error {
	c.evs = append(c.evs, ev)
	return nil
}
func (c *capturedEvents) Recorded()                     {}
func (c *capturedEvents) Logged(store.Tx) (bool, error) { return true, nil }

// take returns the envelopes recorded since the last call, as JSON objects.
func (c *capturedEvents) take(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range c.evs {
		b, err := json.Marshal(ev.Envelope())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	c.evs = nil
	return out
}

// wantEnvelope checks an envelope's detail type, resources and the AWS members of its detail
// (the engine's own members, engineEvent and message, aside).
func wantEnvelope(t *testing.T, got []map[string]any, detailType string, resource string, detail map[string]any) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("recorded %d events, want one %s: %v", len(got), detailType, got)
	}
	env := got[0]
	if env["detail-type"] != detailType || env["source"] != "aws.backup" || !reflect.DeepEqual(env["resources"], []any{resource}) {
		t.Errorf("envelope = %v, want %s about %s", env, detailType, resource)
	}
	d := env["detail"].(map[string]any)
	delete(d, "engineEvent")
	delete(d, "message")
	if !reflect.DeepEqual(d, detail) {
		t.Errorf("%s detail = %v, want %v", detailType, d, detail)
	}
}

// Vaults and plans record "Backup Vault State Change" and "Backup Plan State Change" events
// with the detail members AWS documents: a vault CREATED, MODIFIED with isLocked when its lock
// is put or removed, DELETED; a plan CREATED, MODIFIED and DELETED with its version and the time.
// A retried create records nothing new.
func TestVaultsAndPlansRecordTheirStateChanges(t *testing.T) {
	rec := &capturedEvents{}
	ts := newTestService(t, func(c *Config) { c.Events = rec })
	vaultARN := arns.Vault(testRegion, testAccount, "ledger")

	if _, err := ts.CreateBackupVault(ts.ctx, &wire.CreateBackupVaultInput{BackupVaultName: "ledger", CreatorRequestId: "req-1"}); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Vault State Change", vaultARN, map[string]any{"backupVaultName": "ledger", "state": "CREATED"})
	if _, err := ts.CreateBackupVault(ts.ctx, &wire.CreateBackupVaultInput{BackupVaultName: "ledger", CreatorRequestId: "req-1"}); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(t); len(got) != 0 {
		t.Errorf("a retried CreateBackupVault recorded %v", got)
	}
	if _, err := ts.PutBackupVaultLockConfiguration(ts.ctx, &wire.PutBackupVaultLockConfigurationInput{BackupVaultName: "ledger", MinRetentionDays: i64(7)}); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Vault State Change", vaultARN, map[string]any{"backupVaultName": "ledger", "state": "MODIFIED", "isLocked": "true"})
	if _, err := ts.DeleteBackupVaultLockConfiguration(ts.ctx, &wire.DeleteBackupVaultLockConfigurationInput{BackupVaultName: "ledger"}); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Vault State Change", vaultARN, map[string]any{"backupVaultName": "ledger", "state": "MODIFIED", "isLocked": "false"})

	plan := wire.BackupPlanInput{BackupPlanName: "daily", Rules: []wire.BackupRuleInput{{RuleName: "r", TargetBackupVaultName: "ledger", ScheduleExpression: "cron(0 5 * * ? *)"}}}
	created, err := ts.CreateBackupPlan(ts.ctx, &wire.CreateBackupPlanInput{BackupPlan: plan})
	if err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Plan State Change", created.BackupPlanArn, map[string]any{"backupPlanId": created.BackupPlanId,
		"versionId": created.VersionId, "creationDate": "2030-01-01T08:00:00.000Z", "state": "CREATED"})
	ts.clock.Advance(90 * time.Second)
	plan.Rules[0].ScheduleExpression = "cron(0 6 * * ? *)"
	updated, err := ts.UpdateBackupPlan(ts.ctx, &wire.UpdateBackupPlanInput{BackupPlanId: created.BackupPlanId, BackupPlan: plan})
	if err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Plan State Change", created.BackupPlanArn, map[string]any{"backupPlanId": created.BackupPlanId,
		"versionId": updated.VersionId, "modifiedAt": "2030-01-01T08:01:30.000Z", "state": "MODIFIED"})
	ts.clock.Advance(time.Minute)
	if _, err := ts.DeleteBackupPlan(ts.ctx, &wire.DeleteBackupPlanInput{BackupPlanId: created.BackupPlanId}); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Plan State Change", created.BackupPlanArn, map[string]any{"backupPlanId": created.BackupPlanId,
		"versionId": updated.VersionId, "deletionDate": "2030-01-01T08:02:30.000Z", "state": "DELETED"})

	if _, err := ts.DeleteBackupVault(ts.ctx, &wire.DeleteBackupVaultInput{BackupVaultName: "ledger"}); err != nil {
		t.Fatal(err)
	}
	wantEnvelope(t, rec.take(t), "Backup Vault State Change", vaultARN, map[string]any{"backupVaultName": "ledger", "state": "DELETED"})

	// A refused change records nothing.
	if _, err := ts.DeleteBackupVault(ts.ctx, &wire.DeleteBackupVaultInput{BackupVaultName: "ledger"}); err == nil {
		t.Fatal("deleting a deleted vault succeeded")
	}
	if got := rec.take(t); len(got) != 0 {
		t.Errorf("a refused DeleteBackupVault recorded %v", got)
	}
}
