package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// BenchmarkDescribeBackupVault is one signed DescribeBackupVault through the Go SDK and the
// loopback server: routing, SigV4, decode, validation, the store read, encoding and the audit
// record. Its allocations per call are the figure to watch (-benchmem); bench/api.sh has the
// throughput against moto_server.
func BenchmarkDescribeBackupVault(b *testing.B) {
	ctx := context.Background()
	srv := enginetest.Start(b, engine.Options{})
	c := srv.Client("us-east-1")
	if _, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("bench-vault")}); err != nil {
		b.Fatal(err)
	}
	in := &backup.DescribeBackupVaultInput{BackupVaultName: aws.String("bench-vault")}
	for b.Loop() {
		if _, err := c.DescribeBackupVault(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
