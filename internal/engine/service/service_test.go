package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/queue"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
	"github.com/strongroom/terraform-provider-backup/internal/engine/store"
	"github.com/strongroom/terraform-provider-backup/internal/engine/wire"
)

// t0 is where the tests' fake clocks start.
var t0 = time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)

const testAccount, testRegion = "123456789012", "us-east-1"

// testService is a Service over an in-memory store and a fake clock, and a context carrying a
// caller, for domain tests.
type testService struct {
	*wired
	clock *clock.Fake
	ctx   context.Context
	t     *testing.T
}

// newTestService returns a service over a memory store and a fake clock; tune adjusts its
// Config.
func newTestService(t *testing.T, tune ...func(*Config)) *testService {
	t.Helper()
	fake := clock.NewFake(t0)
	cfg := Config{Store: store.NewMemory(), Clock: fake, PolicyActions: []string{
		"DeleteRecoveryPoint", "DescribeBackupVault", "DescribeRecoveryPoint", "GetBackupVaultAccessPolicy",
		"ListRecoveryPointsByBackupVault", "PutBackupVaultAccessPolicy", "StartBackupJob", "StartCopyJob",
		"UpdateRecoveryPointLifecycle",
	}}
	for _, f := range tune {
		f(&cfg)
	}
	s := newWired(cfg, queue.Options{})
	ctx := WithCaller(context.Background(), Caller{AccountID: testAccount, Region: testRegion, AccessKeyID: "AKIDTEST"})
	return &testService{wired: s, clock: fake, ctx: ctx, t: t}
}

func (ts *testService) createVault(name string) {
	ts.t.Helper()
	if _, err := ts.CreateBackupVault(ts.ctx, &wire.CreateBackupVaultInput{BackupVaultName: name}); err != nil {
		ts.t.Fatalf("CreateBackupVault(%s): %v", name, err)
	}
}

func (ts *testService) describe(name string) *wire.DescribeBackupVaultOutput {
	ts.t.Helper()
	out, err := ts.DescribeBackupVault(ts.ctx, &wire.DescribeBackupVaultInput{BackupVaultName: name})
	if err != nil {
		ts.t.Fatalf("DescribeBackupVault(%s): %v", name, err)
	}
	return out
}

// storedVault reads a vault record directly.
func (ts *testService) storedVault(name string) records.Vault {
	ts.t.Helper()
	var v records.Vault
	err := ts.store.View(ts.ctx, func(tx store.Tx) error {
		var err error
		v, err = records.FindVault(tx, testAccount, testRegion, name)
		return err
	})
	if err != nil {
		ts.t.Fatalf("find vault %s: %v", name, err)
	}
	return v
}

// wantCode fails unless err is an *apierr.Error with code whose message mentions every fragment.
func wantCode(t *testing.T, err error, code string, fragments ...string) {
	t.Helper()
	e, ok := apierr.As(err)
	if !ok {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Message, f) {
			t.Errorf("message %q does not mention %q", e.Message, f)
		}
	}
}

func i64(v int64) *int64 { return &v }
