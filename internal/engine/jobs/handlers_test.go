package jobs

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
	"github.com/strongroom/terraform-provider-backup/internal/engine/records"
)

// A repository path the layout refuses reaches a caller as InvalidParameterValueException.
func TestRefusedRepositoryPathIsAnAPIError(t *testing.T) {
	dir := t.TempDir()
	x := newExecutor(Config{Repos: &Repos{
		Dir: func(account, regionName, vault string) (string, error) {
			return layout.VaultRepo(dir, account, regionName, vault)
		},
		ColdDir: func(account, regionName, vault string) (string, error) {
			return layout.ColdRepo(dir, account, regionName, vault)
		},
	}})
	hostile := records.Vault{AccountID: "210987654321", Region: "..", Name: "123456789012"}
	if _, err := x.openRepo(context.Background(), hostile, true); !apierr.Is(err, apierr.InvalidParameterValue) {
		t.Errorf("openRepo of a vault in region ..: %v", err)
	}
	if _, err := x.openColdRepo(context.Background(), hostile, true); !apierr.Is(err, apierr.InvalidParameterValue) {
		t.Errorf("openColdRepo of a vault in region ..: %v", err)
	}
	if err := x.repos.Remove(context.Background(), hostile.AccountID, hostile.Region, hostile.Name); !errors.Is(err, layout.ErrUnsafe) {
		t.Errorf("Remove of a vault in region ..: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the refusals made %v", entries)
	}
}

// Every kind of task the domain and the scheduler queue has its handler: a kind without one would
// sit in the queue forever.
func TestHandlersRunEveryKind(t *testing.T) {
	h := Handlers(Config{})
	for _, kind := range []string{KindBackup, KindRestore, KindCopy, KindForget, KindCold, KindLegalHold} {
		if h[kind] == nil {
			t.Errorf("no handler for kind %q", kind)
		}
	}
}

// A job's progress is written at most once per progressInterval, however often its connector
// reports it.
func TestProgressIsRecordedAtMostOncePerInterval(t *testing.T) {
	var p progressThrottle
	writes := 0
	write := func() { writes++ }
	p.record(write)
	p.record(write)
	if writes != 1 {
		t.Fatalf("two reports in a row wrote %d times, want 1", writes)
	}
	p.last = p.last.Add(-progressInterval) // as if the interval had passed
	p.record(write)
	if writes != 2 {
		t.Fatalf("a report after the interval wrote %d times in all, want 2", writes)
	}
}
