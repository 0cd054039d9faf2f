package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/api"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// DescribeBackupVault is answered again from what it answered while nothing is committed, and
// never after a commit: not one of this engine's, nor one made on the same data dir by another
// store (as the provider's embedded engine or an engine CLI command, in another process, would).
func TestDescribeBackupVaultIsNeverAnsweredFromBeforeACommit(t *testing.T) {
	ctx := context.Background()
	srv := enginetest.Start(t, engine.Options{})
	c := srv.Client("us-east-1")
	name := aws.String("kept")
	if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: name, CreatorRequestId: aws.String("first")}); err != nil {
		t.Fatal(err)
	}
	describe := func() *backup.DescribeBackupVaultOutput {
		t.Helper()
		out, err := c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: name})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := describe()
	if again := describe(); aws.ToString(again.CreatorRequestId) != "first" || aws.ToString(again.BackupVaultArn) != aws.ToString(first.BackupVaultArn) {
		t.Fatalf("the second answer differs from the first: %+v", again)
	}
	if n := api.AnswersKept(srv.Engine.Handler()); n != 1 {
		t.Fatalf("%d answers kept after two identical calls, want 1", n)
	}

	// Another store on the data dir changes the vault's record.
	other, err := store.OpenSQLite(ctx, engine.StorePath(srv.Engine.DataDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	key := records.VaultKey(srv.Key.AccountID, "us-east-1", "kept")
	if err := other.Update(ctx, func(tx store.Tx) error {
		doc, err := tx.Get(records.CollVaults, key)
		if err != nil {
			return err
		}
		var v map[string]any
		if err := json.Unmarshal(doc, &v); err != nil {
			return err
		}
		v["creator_request_id"] = "changed elsewhere"
		doc, err = json.Marshal(v)
		if err != nil {
			return err
		}
		return tx.Put(records.CollVaults, key, doc)
	}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(describe().CreatorRequestId); got != "changed elsewhere" {
		t.Fatalf("after another store's commit, CreatorRequestId = %q, want the committed one", got)
	}

	// This engine locks the vault.
	if _, err := c.PutBackupVaultLockConfiguration(ctx, &backup.PutBackupVaultLockConfigurationInput{BackupVaultName: name, MinRetentionDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	if d := describe(); !aws.ToBool(d.Locked) || aws.ToInt64(d.MinRetentionDays) != 7 {
		t.Fatalf("after the lock, Describe answers Locked %v, MinRetentionDays %v", aws.ToBool(d.Locked), aws.ToInt64(d.MinRetentionDays))
	}
}
