package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
)

// A page showing a running job keeps itself fresh: htmx polls its part of the page (and, polled,
// the console answers with that part alone), and without JavaScript a <noscript> meta refresh
// reloads it. A finished job's page does neither.
func TestRunningJobsPagesRefreshThemselves(t *testing.T) {
	c, err := New(Options{API: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{csrf: "token"}
	page := func(status types.RestoreJobStatus, htmx bool) string {
		r := httptest.NewRequest(http.MethodGet, "/console/jobs/restore/R1", nil)
		if htmx {
			r.Header.Set("HX-Request", "true")
		}
		w := httptest.NewRecorder()
		c.render(w, r, s, "restore-job", http.StatusOK, restoreJobData{&backup.DescribeRestoreJobOutput{RestoreJobId: aws.String("R1"),
			Status: status, PercentDone: aws.String("40.0")}})
		return w.Body.String()
	}
	running := page(types.RestoreJobStatusRunning, false)
	if !strings.Contains(running, `hx-get="/console/jobs/restore/R1" hx-trigger="every 1s"`) || !strings.Contains(running, `<noscript><meta http-equiv="refresh"`) ||
		!strings.Contains(running, "40.0%") {
		t.Errorf("a running restore's page should poll and refresh itself:\n%s", running)
	}
	if done := page(types.RestoreJobStatusCompleted, false); strings.Contains(done, "hx-trigger") || strings.Contains(done, "http-equiv") {
		t.Errorf("a completed restore's page should stay still:\n%s", done)
	}
	if polled := page(types.RestoreJobStatusRunning, true); strings.Contains(polled, "<html") || !strings.HasPrefix(strings.TrimSpace(polled), `<div id="restore-job"`) {
		t.Errorf("a poll should get the job's part of the page alone:\n%s", polled)
	}
}
