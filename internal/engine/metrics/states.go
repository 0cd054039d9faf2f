package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Count is how many jobs or recovery points of one account, region, vault and resource type are
// in one state (the API's value: COMPLETED, FAILED, ...; for recovery points also COLD, the
// storage class).
type Count struct {
	Account, Region, Vault, ResourceType, State string
	N                                           int
}

// States are the counts behind AWS/Backup's CloudWatch metrics.
type States struct {
	BackupJobs, CopyJobs, RestoreJobs, RecoveryPoints []Count
}

// CountStates reads the counts from the engine's records; the StateCollector calls it at every
// scrape, so the metrics always agree with ListBackupJobs and the other lists.
type CountStates func(ctx context.Context) (States, error)

// scrapeTimeout bounds one reading of the records.
const scrapeTimeout = 10 * time.Second

// AWSMetricsPage is AWS's list of the AWS/Backup metrics and their dimensions, which the metrics
// below follow ("Metrics with CloudWatch"), with CloudWatch's table of the metrics AWS services
// publish (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/aws-services-cloudwatch-metrics.html):
// NumberOfBackupJobs{Created,Pending,Running,Aborted,Completed,Failed,Expired,Partial},
// NumberOfCopyJobs{Created,Running,Completed,Failed}, NumberOfRestoreJobs{Pending,Running,
// Completed,Failed} and NumberOfRecoveryPoints{Completed,Partial,Expired,Deleting,Creating,Cold},
// each with the dimensions BackupVaultName and ResourceType. A copy job's vault is its
// destination vault; a restore job's the vault of the point it restores.
const AWSMetricsPage = "https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html"

// The AWS/Backup metrics. AWS names one metric per state (NumberOfBackupJobsCompleted); here the
// state is a label, with the API's value, so every state a job or point can be in is counted.
// The account and region are the job's (or point's), as CloudWatch keeps metrics per account and
// region.
var (
	vaultLabels      = []string{"account_id", "region", "backup_vault_name", "resource_type", "state"}
	backupJobsDesc   = prometheus.NewDesc(awsNamespace+"_number_of_backup_jobs", "Backup jobs by state (AWS/Backup NumberOfBackupJobs<State>).", vaultLabels, nil)
	copyJobsDesc     = prometheus.NewDesc(awsNamespace+"_number_of_copy_jobs", "Copy jobs by state, by destination vault (AWS/Backup NumberOfCopyJobs<State>).", vaultLabels, nil)
	restoreJobsDesc  = prometheus.NewDesc(awsNamespace+"_number_of_restore_jobs", "Restore jobs by state, by the vault of the point restored (AWS/Backup NumberOfRestoreJobs<State>).", vaultLabels, nil)
	recoveryPointsDs = prometheus.NewDesc(awsNamespace+"_number_of_recovery_points", "Recovery points by status, and COLD for those in cold storage (AWS/Backup NumberOfRecoveryPoints<State>).", vaultLabels, nil)
)

// StateCollector exposes the AWS/Backup counts, read when Prometheus scrapes.
type StateCollector struct{ count CountStates }

// NewStateCollector returns a collector over count.
func NewStateCollector(count CountStates) *StateCollector { return &StateCollector{count: count} }

// Describe implements prometheus.Collector.
func (c *StateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{backupJobsDesc, copyJobsDesc, restoreJobsDesc, recoveryPointsDs} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A failed reading fails the scrape rather than
// reporting counts that are not there. prometheus.Collector gives Collect no context; the reading
// is bounded by scrapeTimeout instead.
func (c *StateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	states, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(backupJobsDesc, fmt.Errorf("count jobs and recovery points: %w", err))
		return
	}
	for _, n := range states.BackupJobs {
		ch <- prometheus.MustNewConstMetric(backupJobsDesc, prometheus.GaugeValue, float64(n.N), n.Account, n.Region, n.Vault, n.ResourceType, n.State)
	}
	for _, n := range states.CopyJobs {
		ch <- prometheus.MustNewConstMetric(copyJobsDesc, prometheus.GaugeValue, float64(n.N), n.Account, n.Region, n.Vault, n.ResourceType, n.State)
	}
	for _, n := range states.RestoreJobs {
		ch <- prometheus.MustNewConstMetric(restoreJobsDesc, prometheus.GaugeValue, float64(n.N), n.Account, n.Region, n.Vault, n.ResourceType, n.State)
	}
	for _, n := range states.RecoveryPoints {
		ch <- prometheus.MustNewConstMetric(recoveryPointsDs, prometheus.GaugeValue, float64(n.N), n.Account, n.Region, n.Vault, n.ResourceType, n.State)
	}
}
