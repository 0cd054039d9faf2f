package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/strongroom/terraform-provider-backup/internal/engine/metrics"
)

func TestStateCollectorExposesEachCountWithItsDimensions(t *testing.T) {
	scrapes := 0
	c := metrics.NewStateCollector(func(context.Context) (metrics.States, error) {
		scrapes++
		return metrics.States{
			BackupJobs: []metrics.Count{
				{Account: "111122223333", Region: "us-east-1", Vault: "nightly", ResourceType: "EFS", State: "COMPLETED", N: 3},
				{Account: "111122223333", Region: "us-east-1", Vault: "nightly", ResourceType: "EFS", State: "FAILED", N: scrapes},
			},
			RestoreJobs:    []metrics.Count{{Account: "111122223333", Region: "us-east-1", Vault: "nightly", ResourceType: "RDS", State: "COMPLETED", N: 1}},
			RecoveryPoints: []metrics.Count{{Account: "111122223333", Region: "us-east-1", Vault: "nightly", ResourceType: "EFS", State: "COLD", N: 2}},
		}, nil
	})
	want := `
# HELP aws_backup_number_of_backup_jobs Backup jobs by state (AWS/Backup NumberOfBackupJobs<State>).
# TYPE aws_backup_number_of_backup_jobs gauge
aws_backup_number_of_backup_jobs{account_id="111122223333",backup_vault_name="nightly",region="us-east-1",resource_type="EFS",state="COMPLETED"} 3
aws_backup_number_of_backup_jobs{account_id="111122223333",backup_vault_name="nightly",region="us-east-1",resource_type="EFS",state="FAILED"} 1
# HELP aws_backup_number_of_recovery_points Recovery points by status, and COLD for those in cold storage (AWS/Backup NumberOfRecoveryPoints<State>).
# TYPE aws_backup_number_of_recovery_points gauge
aws_backup_number_of_recovery_points{account_id="111122223333",backup_vault_name="nightly",region="us-east-1",resource_type="EFS",state="COLD"} 2
# HELP aws_backup_number_of_restore_jobs Restore jobs by state, by the vault of the point restored (AWS/Backup NumberOfRestoreJobs<State>).
# TYPE aws_backup_number_of_restore_jobs gauge
aws_backup_number_of_restore_jobs{account_id="111122223333",backup_vault_name="nightly",region="us-east-1",resource_type="RDS",state="COMPLETED"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	// The counts are read again at every scrape, not cached.
	second := strings.Replace(want, `state="FAILED"} 1`, `state="FAILED"} 2`, 1)
	if err := testutil.CollectAndCompare(c, strings.NewReader(second)); err != nil {
		t.Errorf("second scrape: %v", err)
	}
}

func TestStateCollectorFailsTheScrapeWhenTheRecordsCannotBeRead(t *testing.T) {
	r := metrics.New()
	if err := r.Register(metrics.NewStateCollector(func(context.Context) (metrics.States, error) {
		return metrics.States{}, errors.New("store closed")
	})); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "store closed") {
		t.Errorf("scrape with unreadable records: %d %q, want 500 naming the cause", rec.Code, rec.Body.String())
	}
}

func TestNilRegistryIgnoresObservations(t *testing.T) {
	var r *metrics.Registry
	r.JobFinished("BACKUP", "COMPLETED", 0, 0)
	r.APIRequest("ListBackupJobs", 200, 0)
	r.SchedulerLag(0)
	r.WebhookDeliveryFailed("t")
	if err := r.Register(metrics.NewStateCollector(nil)); err != nil {
		t.Fatal(err)
	}
}

func TestVaultRepositoryReportsStoredBytesAndTheirRatioToLogicalBytes(t *testing.T) {
	r := metrics.New()
	r.VaultRepository("111122223333", "us-east-1", "nightly", 250, 1000)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`backup_engine_repository_bytes{account_id="111122223333",backup_vault_name="nightly",region="us-east-1"} 250`,
		`backup_engine_deduplication_ratio{account_id="111122223333",backup_vault_name="nightly",region="us-east-1"} 4`,
	} {
		if !strings.Contains(rec.Body.String(), want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestStorageRequestsAreCountedByOutcome(t *testing.T) {
	r := metrics.New()
	r.StorageRequest("vaults", "PutObject", 200, nil)
	r.StorageRequest("vaults", "PutObject", 503, nil)
	r.StorageRequest("vaults", "PutObject", 0, errors.New("connection reset"))
	r.StorageRequest("vaults", "HeadObject", 404, nil)
	r.StorageRequest("vaults", "GetObject", 500, nil)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`backup_engine_storage_requests_total{bucket="vaults",operation="PutObject",outcome="ok"} 1`,
		`backup_engine_storage_requests_total{bucket="vaults",operation="PutObject",outcome="throttled"} 1`,
		`backup_engine_storage_requests_total{bucket="vaults",operation="PutObject",outcome="network_error"} 1`,
		`backup_engine_storage_requests_total{bucket="vaults",operation="HeadObject",outcome="client_error"} 1`,
		`backup_engine_storage_requests_total{bucket="vaults",operation="GetObject",outcome="server_error"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
