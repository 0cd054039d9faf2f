package records

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
)

// fullPoint is a RecoveryPoint that Page decodes whole (no OrderMembers): the baseline.
type fullPoint RecoveryPoint

func (p *fullPoint) ListOrder() (time.Time, string) { return p.CreationDate, p.ID }

// BenchmarkPageOfRecoveryPoints reads one page of 100 out of a vault's 1,000 points on SQLite,
// as ListRecoveryPointsByBackupVault does: light reads only the order's members of the points
// off the page, full decodes them all.
func BenchmarkPageOfRecoveryPoints(b *testing.B) {
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Update(ctx, func(tx store.Tx) error {
		for i := range 1000 {
			id := fmt.Sprintf("%08x-0000-4000-8000-%012d", (i*7919)%1000, i)
			rp := RecoveryPoint{ID: id, ARN: "arn:aws:backup:us-east-1:123456789012:recovery-point:" + id, AccountID: "123456789012",
				Region: "us-east-1", VaultName: "v", VaultARN: "arn:aws:backup:us-east-1:123456789012:backup-vault:v",
				ResourceARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0", ResourceType: "EFS",
				SnapshotID: "0123456789abcdef0123456789abcdef", Status: "COMPLETED", StorageClass: "WARM",
				CreationDate: t0.Add(time.Duration(i) * time.Minute), CompletionDate: t0.Add(time.Duration(i)*time.Minute + time.Second),
				BackupSizeInBytes: 1234, EncryptionKeyARN: "arn:aws:kms:us-east-1:123456789012:key/engine", EncryptionKeyType: "AWS_OWNED_KMS_KEY",
				IamRoleARN: "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole", BackupJobID: id}
			if err := PutDoc(tx, CollRecoveryPoints, "v/"+id, rp); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, page func(tx store.Tx) (int, error)) {
		for b.Loop() {
			if err := s.View(ctx, func(tx store.Tx) error {
				n, err := page(tx)
				if err == nil && n != 100 {
					err = fmt.Errorf("page of %d", n)
				}
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("light", func(b *testing.B) {
		run(b, func(tx store.Tx) (int, error) {
			l, _, err := Page[RecoveryPoint](tx, CollRecoveryPoints, "v/", "", ptr32(100), func(*RecoveryPoint) bool { return true })
			return len(l), err
		})
	})
	b.Run("full", func(b *testing.B) {
		run(b, func(tx store.Tx) (int, error) {
			l, _, err := Page[fullPoint](tx, CollRecoveryPoints, "v/", "", ptr32(100), func(*fullPoint) bool { return true })
			return len(l), err
		})
	})
}
