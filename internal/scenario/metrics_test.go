package scenario

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// scrape GETs a /metrics URL, unsigned, and returns its samples: metric name and labels (as the
// exposition writes them) to value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", url, resp.StatusCode, body)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		samples[line[:i]] = v
	}
	return samples
}

var stateLabel = regexp.MustCompile(`state="([A-Z_]+)"`)

// backupJobsByState sums aws_backup_number_of_backup_jobs by its state label.
func backupJobsByState(samples map[string]float64) map[string]int {
	by := map[string]int{}
	for k, v := range samples {
		if strings.HasPrefix(k, "aws_backup_number_of_backup_jobs{") {
			by[stateLabel.FindStringSubmatch(k)[1]] += int(v)
		}
	}
	return by
}

func TestMetrics_scrapedAfterAScriptedNightMatchListBackupJobs(t *testing.T) {
	parallel(t)
	const region = "us-east-1"
	d := startDaemon(t, "--fake-clock", "2024-01-16T12:00:00Z")
	if got := backupJobsByState(scrape(t, d.Endpoint+"/metrics")); len(got) != 0 {
		t.Fatalf("a new engine reports backup jobs %v", got)
	}
	d.mustAWS(t, region, "backup", "create-backup-vault", "--backup-vault-name", "prod-primary-vault")
	dir := filepath.Join(t.TempDir(), "src")
	enginetest.WriteTree(t, dir, 7)
	d.registerDir(t, dir, "Backup=true")
	plan := d.mustAWS(t, region, "backup", "create-backup-plan", "--backup-plan", writeFile(t, "plan.json", nightlyPlanWithoutCopies))
	d.mustAWS(t, region, "backup", "create-backup-selection", "--backup-plan-id", plan["BackupPlanId"].(string), "--backup-selection", writeFile(t, "selection.json", guideSelectionDocument))
	// The API listener's /metrics saw those calls.
	if n := scrape(t, d.Endpoint+"/metrics")[`backup_engine_api_request_duration_seconds_count{operation="CreateBackupVault",status="200"}`]; n != 1 {
		t.Errorf("CreateBackupVault latency observations = %v, want 1", n)
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	// Down two nights (their jobs expire in the catch-up), back within the third night's window,
	// now with the metrics on a listener of their own.
	again := startDaemon(t, "--data-dir", d.DataDir, "--fake-clock", "2024-01-19T02:30:00Z", "--metrics-listen", "127.0.0.1:0")
	if again.MetricsEndpoint == "" {
		t.Fatalf("engine serve --metrics-listen did not say where the metrics are\n%s", again.Logs())
	}
	again.clock(t, "advance", "0s")
	listed, account := map[string]int{}, ""
	for _, j := range list(again.mustAWS(t, region, "backup", "list-backup-jobs")["BackupJobs"]) {
		listed[obj(j)["State"].(string)]++
		account, _ = obj(j)["AccountId"].(string)
	}
	if want := map[string]int{"EXPIRED": 2, "COMPLETED": 1}; fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Fatalf("list-backup-jobs after the night: %v, want %v", listed, want)
	}
	samples := scrape(t, again.MetricsEndpoint)
	if got := backupJobsByState(samples); fmt.Sprint(got) != fmt.Sprint(listed) {
		t.Errorf("aws_backup_number_of_backup_jobs by state = %v, list-backup-jobs = %v", got, listed)
	}
	point := fmt.Sprintf(`aws_backup_number_of_recovery_points{account_id=%q,backup_vault_name="prod-primary-vault",region=%q,resource_type="EFS",state="COMPLETED"}`, account, region)
	if samples[point] != 1 {
		t.Errorf("%s = %v, want 1", point, samples[point])
	}
	if n := samples[`backup_engine_job_duration_seconds_count{job_type="BACKUP",state="COMPLETED"}`]; n != 1 {
		t.Errorf("completed backup job durations observed: %v, want 1", n)
	}
	vaultLabels := fmt.Sprintf(`{account_id=%q,backup_vault_name="prod-primary-vault",region=%q}`, account, region)
	stored, ratio := samples["backup_engine_repository_bytes"+vaultLabels], samples["backup_engine_deduplication_ratio"+vaultLabels]
	if stored <= 0 || ratio <= 0 {
		t.Errorf("after a backup into prod-primary-vault its repository stores %v bytes at a deduplication ratio of %v, want both positive", stored, ratio)
	}
	// With --metrics-listen, the API listener no longer serves them.
	resp, err := http.Get(again.Endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Errorf("GET /metrics on the API listener with --metrics-listen: %d, want a refusal", resp.StatusCode)
	}
}

func TestMetrics_serveRefusesAMetricsAddressThatIsNotHostPort(t *testing.T) {
	parallel(t)
	_, stderr, code := engineCmd(t, "serve", "--metrics-listen", "9192", "--data-dir", t.TempDir())
	if code != 2 || !strings.Contains(stderr, `--metrics-listen "9192"`) {
		t.Errorf("exit %d, stderr %q; want exit 2 naming --metrics-listen", code, stderr)
	}
}
