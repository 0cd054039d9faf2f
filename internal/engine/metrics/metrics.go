// Package metrics holds the engine's Prometheus registry and the definitions of its metrics: the
// AWS/Backup CloudWatch counts (NumberOfBackupJobs, NumberOfCopyJobs, NumberOfRestoreJobs,
// NumberOfRecoveryPoints), read from the engine's records at scrape time, and the engine's own
// histograms and gauges, which the package that owns each fact observes. engine.Open makes one
// Registry and passes it down; there is no global registry.
//
// Every method works on a nil *Registry and does nothing, so that code run without metrics (unit
// tests, operator commands) need not build one.
package metrics

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespaces: AWS's metric names live under aws_backup, the engine's own under backup_engine.
const (
	awsNamespace    = "aws_backup"
	engineNamespace = "backup_engine"
)

// Registry is the engine's metrics registry.
type Registry struct {
	reg             *prometheus.Registry
	jobDuration     *prometheus.HistogramVec
	jobBytes        *prometheus.HistogramVec
	apiLatency      *prometheus.HistogramVec
	schedulerLag    prometheus.Gauge
	webhookFailures *prometheus.CounterVec
	repoBytes       *prometheus.GaugeVec
	dedupRatio      *prometheus.GaugeVec
	storageRequests *prometheus.CounterVec
}

// New returns a registry with the engine's own metrics and the Go runtime and process collectors.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: engineNamespace, Name: "job_duration_seconds",
			Help: "Time from a job's start to its end, by job type (BACKUP, COPY, RESTORE) and final state.",
			// One second to about a day.
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}, []string{"job_type", "state"}),
		jobBytes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: engineNamespace, Name: "job_bytes",
			Help: "Bytes a finished job transferred, by job type and final state.",
			// 1 KiB to 1 TiB.
			Buckets: prometheus.ExponentialBuckets(1024, 8, 11),
		}, []string{"job_type", "state"}),
		apiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: engineNamespace, Name: "api_request_duration_seconds",
			Help:    "Time to serve an API request, by operation and HTTP status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "status"}),
		schedulerLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: engineNamespace, Name: "scheduler_lag_seconds",
			Help: "How late the scheduler's last pass ran after the work it did came due.",
		}),
		webhookFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: engineNamespace, Name: "webhook_delivery_failures_total",
			Help: "Failed webhook delivery attempts, by notification topic (or event-rule:NAME for an event rule).",
		}, []string{"topic"}),
		repoBytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: engineNamespace, Name: "repository_bytes",
			Help: "Bytes a vault's (warm) repository stores, as of the last backup or copy job into it.",
		}, vaultRepoLabels),
		dedupRatio: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: engineNamespace, Name: "deduplication_ratio",
			Help: "A vault's warm recovery points' logical bytes over the bytes its repository stores, as of the last backup or copy job into it.",
		}, vaultRepoLabels),
		storageRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: engineNamespace, Name: "storage_requests_total",
			Help: "HTTP requests to the S3 storage of vault repositories, retries included, by bucket, S3 operation and outcome (ok, client_error, server_error, throttled, network_error).",
		}, []string{"bucket", "operation", "outcome"}),
	}
	r.reg.MustRegister(r.jobDuration, r.jobBytes, r.apiLatency, r.schedulerLag, r.webhookFailures, r.repoBytes, r.dedupRatio, r.storageRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the registry in the Prometheus exposition format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
}

// Register adds a collector, such as a StateCollector.
func (r *Registry) Register(c prometheus.Collector) error {
	if r == nil {
		return nil
	}
	if err := r.reg.Register(c); err != nil {
		return fmt.Errorf("register metrics collector: %w", err)
	}
	return nil
}

// JobFinished records a job's duration and the bytes it transferred when it reaches a final state.
func (r *Registry) JobFinished(jobType, state string, duration time.Duration, bytes int64) {
	if r == nil {
		return
	}
	r.jobDuration.WithLabelValues(jobType, state).Observe(duration.Seconds())
	r.jobBytes.WithLabelValues(jobType, state).Observe(float64(bytes))
}

// APIRequest records how long one API request took.
func (r *Registry) APIRequest(operation string, status int, duration time.Duration) {
	if r == nil {
		return
	}
	r.apiLatency.WithLabelValues(operation, strconv.Itoa(status)).Observe(duration.Seconds())
}

// SchedulerLag records how late the scheduler ran after its work came due.
func (r *Registry) SchedulerLag(lag time.Duration) {
	if r == nil {
		return
	}
	r.schedulerLag.Set(lag.Seconds())
}

var vaultRepoLabels = []string{"account_id", "region", "backup_vault_name"}

// VaultRepository records what a vault's repository stores and the logical size of the recovery
// points kept in it; their ratio is what deduplication (and compression) saved.
func (r *Registry) VaultRepository(account, region, vault string, storedBytes, logicalBytes int64) {
	if r == nil {
		return
	}
	r.repoBytes.WithLabelValues(account, region, vault).Set(float64(storedBytes))
	if storedBytes > 0 {
		r.dedupRatio.WithLabelValues(account, region, vault).Set(float64(logicalBytes) / float64(storedBytes))
	}
}

// WebhookDeliveryFailed counts one failed delivery attempt to a topic's webhook.
func (r *Registry) WebhookDeliveryFailed(topic string) {
	if r == nil {
		return
	}
	r.webhookFailures.WithLabelValues(topic).Inc()
}

// StorageRequest counts one HTTP request (one attempt) to a vault repository's S3 storage, with
// the response's status (0: none came, err says why).
func (r *Registry) StorageRequest(bucket, operation string, status int, err error) {
	if r == nil {
		return
	}
	outcome := "ok"
	switch {
	case status == 0 || err != nil && status < 400:
		outcome = "network_error"
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		outcome = "throttled"
	case status >= 500:
		outcome = "server_error"
	case status >= 400:
		outcome = "client_error"
	}
	r.storageRequests.WithLabelValues(bucket, operation, outcome).Inc()
}
