package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/smithy-go"
)

// parseTemplates parses each page with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"when":  formatTime,
		"bytes": formatBytes,
		"str":   aws.ToString,
		"p":     url.PathEscape,
		"deref": aws.ToInt64,
		// isTrue reads an optional bool: a template's if is true for any non-nil pointer.
		"isTrue": aws.ToBool,
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func formatTime(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return "—"
		}
		tt = *v
	}
	if tt.IsZero() {
		return "—"
	}
	return tt.UTC().Format("2006-01-02 15:04 UTC")
}

func formatBytes(n any) string {
	var b int64
	switch v := n.(type) {
	case int64:
		b = v
	case *int64:
		b = aws.ToInt64(v)
	}
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for m := b / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

// apiMessage is an API error as the console shows it: the AWS error code and the engine's
// message.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

// page is what every page template gets.
type page struct {
	Title, Active     string
	Flash, FlashError string
	CSRF, AccessKeyID string
	Region            string
	Sections          []Section
	// Refresh asks a browser without JavaScript to reload the page (a job is running).
	Refresh bool
	Data    any
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, name string, status int, data any) {
	t := c.pages[name]
	p := page{Title: name, Active: name, Data: data, Sections: c.o.Sections}
	if s != nil {
		p.Flash, p.FlashError = c.takeFlash(s)
		p.CSRF, p.AccessKeyID, p.Region = s.csrf, s.clients.AccessKeyID, s.clients.Region
	}
	if rf, ok := data.(interface{ Live() bool }); ok {
		p.Refresh = rf.Live()
	}
	var buf bytes.Buffer
	exec := "layout"
	if r.Header.Get("HX-Request") != "" && t.Lookup("fragment") != nil {
		exec = "fragment"
	}
	if err := t.ExecuteTemplate(&buf, exec, p); err != nil {
		c.o.Log.Error("console: rendering a page failed", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "the console could not render this page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail shows a page's API error in place of the page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status := http.StatusBadGateway
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 {
		status = re.HTTPStatusCode()
	}
	c.render(w, r, s, "error", status, map[string]any{"Error": apiMessage(err)})
}

func (c *Console) route(w http.ResponseWriter, r *http.Request, s *session, p string) {
	ctx := r.Context()
	post := r.Method == http.MethodPost
	switch {
	case p == "/signout" && post:
		c.signOut(w, r, s)
	case p == "/" && !post:
		c.dashboard(ctx, w, r, s)
	case p == "/vaults" && !post:
		c.vaults(ctx, w, r, s)
	case strings.HasPrefix(p, "/vaults/") && !post:
		c.vault(ctx, w, r, s, strings.TrimPrefix(p, "/vaults/"))
	case p == "/plans" && !post:
		c.plans(ctx, w, r, s)
	case strings.HasPrefix(p, "/plans/") && !post:
		c.plan(ctx, w, r, s, strings.TrimPrefix(p, "/plans/"))
	case p == "/jobs" && !post:
		c.jobs(ctx, w, r, s)
	case strings.HasPrefix(p, "/jobs/restore/") && !post:
		c.restoreJob(ctx, w, r, s, strings.TrimPrefix(p, "/jobs/restore/"))
	case p == "/legal-holds" && !post:
		c.legalHolds(ctx, w, r, s)
	case p == "/restore" && !post:
		c.restoreForm(ctx, w, r, s)
	case p == "/restore" && post:
		c.startRestore(ctx, w, r, s)
	case p == "/points/delete" && post:
		c.deletePoint(ctx, w, r, s)
	default:
		for _, sec := range c.o.Sections {
			if p == sec.Path && !post {
				body, err := sec.Render(ctx, s.clients)
				if err != nil {
					c.fail(w, r, s, err)
					return
				}
				c.render(w, r, s, "section", http.StatusOK, map[string]any{"Title": sec.Title, "Body": body})
				return
			}
		}
		if post {
			http.Error(w, "the console has no action "+p, http.StatusNotFound)
			return
		}
		c.render(w, r, s, "error", http.StatusNotFound, map[string]any{"Error": "The console has no page " + p + "."})
	}
}

// stateCount is one state's count of one job type.
type stateCount struct {
	State string
	Count int
}

// failure is a job that failed, with its message.
type failure struct {
	Kind, ID, Resource, State, Message string
	When                               *time.Time
}

type scheduledRun struct {
	Plan, PlanID, Rule string
	When               time.Time
}

type vaultRow struct {
	Name, Arn     string
	Points        int64
	Size          int64
	Locked        bool
	MinDays       *int64
	MaxDays       *int64
	EncryptionKey string
}

type dashboardData struct {
	Now                    time.Time
	ClockMode              string
	Backup, Copy, Restore  []stateCount
	Failures               []failure
	Runs                   []scheduledRun
	Vaults                 []vaultRow
	BackupTotal, CopyTotal int
	RestoreTotal, Running  int
}

func (d dashboardData) Live() bool { return d.Running > 0 }

func countStates[T any](jobs []T, state func(T) string) ([]stateCount, int) {
	m := map[string]int{}
	for _, j := range jobs {
		m[state(j)]++
	}
	var out []stateCount
	for st, n := range m {
		out = append(out, stateCount{st, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].State < out[j].State })
	return out, len(jobs)
}

// lastDay returns the jobs created in the 24 hours before the engine clock's now.
func (c *Console) lastDay(ctx context.Context, cl Clients) (now time.Time, mode string, bj []types.BackupJob, cj []types.CopyJob, rj []types.RestoreJobsListMember, err error) {
	clk, err := cl.Extension.GetClock(ctx)
	if err != nil {
		return now, "", nil, nil, nil, err
	}
	now, mode = clk.Now, clk.Mode
	since := now.Add(-24 * time.Hour)
	for p := backup.NewListBackupJobsPaginator(cl.Backup, &backup.ListBackupJobsInput{ByCreatedAfter: &since}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return now, mode, nil, nil, nil, err
		}
		bj = append(bj, out.BackupJobs...)
	}
	for p := backup.NewListCopyJobsPaginator(cl.Backup, &backup.ListCopyJobsInput{ByCreatedAfter: &since}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return now, mode, nil, nil, nil, err
		}
		cj = append(cj, out.CopyJobs...)
	}
	for p := backup.NewListRestoreJobsPaginator(cl.Backup, &backup.ListRestoreJobsInput{ByCreatedAfter: &since}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return now, mode, nil, nil, nil, err
		}
		rj = append(rj, out.RestoreJobs...)
	}
	return now, mode, bj, cj, rj, nil
}

func (c *Console) dashboard(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	cl := s.clients
	now, mode, bj, cj, rj, err := c.lastDay(ctx, cl)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := dashboardData{Now: now, ClockMode: mode}
	d.Backup, d.BackupTotal = countStates(bj, func(j types.BackupJob) string { return string(j.State) })
	d.Copy, d.CopyTotal = countStates(cj, func(j types.CopyJob) string { return string(j.State) })
	d.Restore, d.RestoreTotal = countStates(rj, func(j types.RestoreJobsListMember) string { return string(j.Status) })
	for _, j := range bj {
		switch j.State {
		case types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired, types.BackupJobStatePartial:
			d.Failures = append(d.Failures, failure{"Backup", aws.ToString(j.BackupJobId), aws.ToString(j.ResourceArn), string(j.State), aws.ToString(j.StatusMessage), j.CreationDate})
		case types.BackupJobStateRunning, types.BackupJobStateCreated, types.BackupJobStatePending:
			d.Running++
		}
	}
	for _, j := range cj {
		switch j.State {
		case types.CopyJobStateFailed, types.CopyJobStatePartial:
			d.Failures = append(d.Failures, failure{"Copy", aws.ToString(j.CopyJobId), aws.ToString(j.ResourceArn), string(j.State), aws.ToString(j.StatusMessage), j.CreationDate})
		case types.CopyJobStateCreated, types.CopyJobStateRunning:
			d.Running++
		}
	}
	for _, j := range rj {
		switch j.Status {
		case types.RestoreJobStatusFailed, types.RestoreJobStatusAborted:
			d.Failures = append(d.Failures, failure{"Restore", aws.ToString(j.RestoreJobId), aws.ToString(j.RecoveryPointArn), string(j.Status), aws.ToString(j.StatusMessage), j.CreationDate})
		case types.RestoreJobStatusPending, types.RestoreJobStatusRunning:
			d.Running++
		}
	}
	if d.Runs, err = nextRuns(ctx, cl, 3); err != nil {
		c.fail(w, r, s, err)
		return
	}
	if d.Vaults, err = listVaults(ctx, cl); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "dashboard", http.StatusOK, d)
}

// nextRuns previews each plan's next runs (GetBackupPlan's ScheduledRunsPreview), soonest first.
func nextRuns(ctx context.Context, cl Clients, perPlan int32) ([]scheduledRun, error) {
	var runs []scheduledRun
	for p := backup.NewListBackupPlansPaginator(cl.Backup, &backup.ListBackupPlansInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, pl := range out.BackupPlansList {
			got, err := cl.Backup.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: pl.BackupPlanId, MaxScheduledRunsPreview: perPlan})
			if err != nil {
				return nil, err
			}
			rules := map[string]string{}
			if got.BackupPlan != nil {
				for _, rule := range got.BackupPlan.Rules {
					rules[aws.ToString(rule.RuleId)] = aws.ToString(rule.RuleName)
				}
			}
			for _, run := range got.ScheduledRunsPreview {
				runs = append(runs, scheduledRun{Plan: aws.ToString(pl.BackupPlanName), PlanID: aws.ToString(pl.BackupPlanId),
					Rule: rules[aws.ToString(run.RuleId)], When: aws.ToTime(run.ExecutionTime)})
			}
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].When.Before(runs[j].When) })
	return runs, nil
}

// listVaults lists the vaults with the size of the recovery points each holds.
func listVaults(ctx context.Context, cl Clients) ([]vaultRow, error) {
	var rows []vaultRow
	for p := backup.NewListBackupVaultsPaginator(cl.Backup, &backup.ListBackupVaultsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range out.BackupVaultList {
			row := vaultRow{Name: aws.ToString(v.BackupVaultName), Arn: aws.ToString(v.BackupVaultArn), Points: v.NumberOfRecoveryPoints,
				Locked: aws.ToBool(v.Locked), MinDays: v.MinRetentionDays, MaxDays: v.MaxRetentionDays, EncryptionKey: aws.ToString(v.EncryptionKeyArn)}
			points, err := vaultPoints(ctx, cl, row.Name)
			if err != nil {
				return nil, err
			}
			for _, pt := range points {
				row.Size += aws.ToInt64(pt.BackupSizeInBytes)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func vaultPoints(ctx context.Context, cl Clients, vault string) ([]types.RecoveryPointByBackupVault, error) {
	var pts []types.RecoveryPointByBackupVault
	for p := backup.NewListRecoveryPointsByBackupVaultPaginator(cl.Backup, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: &vault}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		pts = append(pts, out.RecoveryPoints...)
	}
	return pts, nil
}

func (c *Console) vaults(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	rows, err := listVaults(ctx, s.clients)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "vaults", http.StatusOK, rows)
}

type pointRow struct {
	types.RecoveryPointByBackupVault
	Holds []string
}

type vaultData struct {
	Vault    *backup.DescribeBackupVaultOutput
	Tags     map[string]string
	Policy   string
	Points   []pointRow
	Size     int64
	Holds    []types.LegalHold
	Now      time.Time
	LockDate *time.Time
}

func (c *Console) vault(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session, name string) {
	cl := s.clients
	v, err := cl.Backup.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: &name})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := vaultData{Vault: v, LockDate: v.LockDate}
	tags, err := cl.Backup.ListTags(ctx, &backup.ListTagsInput{ResourceArn: v.BackupVaultArn})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Tags = tags.Tags
	pol, err := cl.Backup.GetBackupVaultAccessPolicy(ctx, &backup.GetBackupVaultAccessPolicyInput{BackupVaultName: &name})
	var nf *types.ResourceNotFoundException
	switch {
	case err == nil:
		d.Policy = aws.ToString(pol.Policy)
	case !errors.As(err, &nf):
		c.fail(w, r, s, err)
		return
	}
	points, err := vaultPoints(ctx, cl, name)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	held, holds, err := activeHolds(ctx, cl)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Holds = holds
	for _, pt := range points {
		d.Size += aws.ToInt64(pt.BackupSizeInBytes)
		d.Points = append(d.Points, pointRow{pt, held[aws.ToString(pt.RecoveryPointArn)]})
	}
	c.render(w, r, s, "vault", http.StatusOK, d)
}

// activeHolds returns every legal hold, and for each recovery point the titles of the active
// holds on it.
func activeHolds(ctx context.Context, cl Clients) (map[string][]string, []types.LegalHold, error) {
	var holds []types.LegalHold
	for p := backup.NewListLegalHoldsPaginator(cl.Backup, &backup.ListLegalHoldsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		holds = append(holds, out.LegalHolds...)
	}
	held := map[string][]string{}
	for _, h := range holds {
		if h.Status != types.LegalHoldStatusActive && h.Status != types.LegalHoldStatusCreating {
			continue
		}
		for p := backup.NewListRecoveryPointsByLegalHoldPaginator(cl.Backup, &backup.ListRecoveryPointsByLegalHoldInput{LegalHoldId: h.LegalHoldId}); p.HasMorePages(); {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, nil, err
			}
			for _, rp := range out.RecoveryPoints {
				arn := aws.ToString(rp.RecoveryPointArn)
				held[arn] = append(held[arn], aws.ToString(h.Title))
			}
		}
	}
	return held, holds, nil
}

func (c *Console) legalHolds(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	var holds []types.LegalHold
	for p := backup.NewListLegalHoldsPaginator(s.clients.Backup, &backup.ListLegalHoldsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		holds = append(holds, out.LegalHolds...)
	}
	c.render(w, r, s, "legal-holds", http.StatusOK, holds)
}

func (c *Console) plans(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	var plans []types.BackupPlansListMember
	for p := backup.NewListBackupPlansPaginator(s.clients.Backup, &backup.ListBackupPlansInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		plans = append(plans, out.BackupPlansList...)
	}
	c.render(w, r, s, "plans", http.StatusOK, plans)
}

type planData struct {
	Plan       *backup.GetBackupPlanOutput
	Selections []selectionData
	// Resources are what the plan's selections together cover now.
	Resources []string
}

// selectionData is a selection with the registered resources it alone covers now.
type selectionData struct {
	*backup.GetBackupSelectionOutput
	Resources []string
}

func (c *Console) plan(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session, id string) {
	cl := s.clients
	pl, err := cl.Backup.GetBackupPlan(ctx, &backup.GetBackupPlanInput{BackupPlanId: &id, MaxScheduledRunsPreview: 5})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := planData{Plan: pl}
	for p := backup.NewListBackupSelectionsPaginator(cl.Backup, &backup.ListBackupSelectionsInput{BackupPlanId: &id}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		for _, sel := range out.BackupSelectionsList {
			got, err := cl.Backup.GetBackupSelection(ctx, &backup.GetBackupSelectionInput{BackupPlanId: &id, SelectionId: sel.SelectionId})
			if err != nil {
				c.fail(w, r, s, err)
				return
			}
			// What the selection matches now, resolved by the engine as a rule firing now would.
			matched, err := cl.Extension.SelectionResources(ctx, id, aws.ToString(sel.SelectionId))
			if err != nil {
				c.fail(w, r, s, err)
				return
			}
			d.Selections = append(d.Selections, selectionData{got, matched})
		}
	}
	if d.Resources, err = cl.Extension.PlanResources(ctx, id); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "plan", http.StatusOK, d)
}

type jobsData struct {
	Backup  []types.BackupJob
	Copy    []types.CopyJob
	Restore []types.RestoreJobsListMember
	Running int
}

func (d jobsData) Live() bool { return d.Running > 0 }

// recentJobs is how many jobs of each type the jobs page lists, newest first.
const recentJobs = 50

func (c *Console) jobs(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	cl := s.clients
	var d jobsData
	// The lists come oldest first, so the newest are on the last pages.
	var bj []types.BackupJob
	for p := backup.NewListBackupJobsPaginator(cl.Backup, &backup.ListBackupJobsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		bj = append(bj, out.BackupJobs...)
	}
	var cj []types.CopyJob
	for p := backup.NewListCopyJobsPaginator(cl.Backup, &backup.ListCopyJobsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		cj = append(cj, out.CopyJobs...)
	}
	var rj []types.RestoreJobsListMember
	for p := backup.NewListRestoreJobsPaginator(cl.Backup, &backup.ListRestoreJobsInput{}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.fail(w, r, s, err)
			return
		}
		rj = append(rj, out.RestoreJobs...)
	}
	d.Backup, d.Copy, d.Restore = newest(bj), newest(cj), newest(rj)
	for _, j := range d.Backup {
		if slices.Contains([]types.BackupJobState{types.BackupJobStateCreated, types.BackupJobStatePending, types.BackupJobStateRunning, types.BackupJobStateAborting}, j.State) {
			d.Running++
		}
	}
	for _, j := range d.Copy {
		if j.State == types.CopyJobStateCreated || j.State == types.CopyJobStateRunning {
			d.Running++
		}
	}
	for _, j := range d.Restore {
		if j.Status == types.RestoreJobStatusPending || j.Status == types.RestoreJobStatusRunning {
			d.Running++
		}
	}
	c.render(w, r, s, "jobs", http.StatusOK, d)
}

// newest reverses the API's creation order (oldest first) and keeps recentJobs.
func newest[T any](jobs []T) []T {
	out := slices.Clone(jobs)
	slices.Reverse(out)
	if len(out) > recentJobs {
		out = out[:recentJobs]
	}
	return out
}

type restoreJobData struct {
	Job *backup.DescribeRestoreJobOutput
}

func (d restoreJobData) Live() bool {
	return d.Job.Status == types.RestoreJobStatusPending || d.Job.Status == types.RestoreJobStatusRunning
}

func (c *Console) restoreJob(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session, id string) {
	j, err := s.clients.Backup.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: &id})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "restore-job", http.StatusOK, restoreJobData{j})
}

type restoreFormData struct {
	Vault, Arn, ResourceType, Resource string
	Metadata                           map[string]string
	// TargetLabel names what the restore creates; TargetKey is the metadata key it sets.
	TargetLabel, TargetKey, Target string
	Error                          string
}

// restoreTarget is the metadata key a restore to a new resource sets, by resource type, and how
// the form names it.
var restoreTarget = map[string]struct{ key, label string }{
	"EFS": {"destination-path", "New directory (an absolute path the engine may write)"},
	"RDS": {"DBInstanceIdentifier", "New database name (it must not exist)"},
	"S3":  {"DestinationBucketName", "New bucket name"},
}

func (c *Console) restoreFormData(ctx context.Context, cl Clients, vault, arn string) (restoreFormData, error) {
	d := restoreFormData{Vault: vault, Arn: arn}
	rp, err := cl.Backup.DescribeRecoveryPoint(ctx, &backup.DescribeRecoveryPointInput{BackupVaultName: &vault, RecoveryPointArn: &arn})
	if err != nil {
		return d, err
	}
	d.ResourceType, d.Resource = aws.ToString(rp.ResourceType), aws.ToString(rp.ResourceArn)
	md, err := cl.Backup.GetRecoveryPointRestoreMetadata(ctx, &backup.GetRecoveryPointRestoreMetadataInput{BackupVaultName: &vault, RecoveryPointArn: &arn})
	if err != nil {
		return d, err
	}
	d.Metadata = md.RestoreMetadata
	t, ok := restoreTarget[d.ResourceType]
	if !ok {
		return d, fmt.Errorf("the console cannot restore a %s recovery point: use StartRestoreJob", d.ResourceType)
	}
	d.TargetKey, d.TargetLabel = t.key, t.label
	return d, nil
}

func (c *Console) restoreForm(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d, err := c.restoreFormData(ctx, s.clients, q.Get("vault"), q.Get("arn"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, s, "restore", http.StatusOK, d)
}

// startRestore restores a recovery point to a new resource: the point's restore metadata, with
// the new resource the form names.
func (c *Console) startRestore(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	d, err := c.restoreFormData(ctx, s.clients, f.Get("vault"), f.Get("arn"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d.Target = strings.TrimSpace(f.Get("target"))
	if d.Target == "" {
		d.Error = "Enter the " + strings.ToLower(d.TargetLabel) + "."
		c.render(w, r, s, "restore", http.StatusBadRequest, d)
		return
	}
	md := map[string]string{}
	for k, v := range d.Metadata {
		md[k] = v
	}
	md[d.TargetKey] = d.Target
	switch d.ResourceType {
	case "EFS":
		md["newFileSystem"] = "true"
	case "S3":
		md["NewBucket"] = "true"
	}
	out, err := s.clients.Backup.StartRestoreJob(ctx, &backup.StartRestoreJobInput{RecoveryPointArn: &d.Arn, Metadata: md,
		ResourceType: &d.ResourceType})
	if err != nil {
		d.Error = "The engine refused the restore: " + apiMessage(err)
		c.render(w, r, s, "restore", http.StatusBadRequest, d)
		return
	}
	c.redirectWith(w, r, s, "/jobs/restore/"+url.PathEscape(aws.ToString(out.RestoreJobId)), "Restore job started.", "")
}

// deletePoint deletes a recovery point; a refusal (a lock, a legal hold) is the engine's error,
// shown on the vault's page.
func (c *Console) deletePoint(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) {
	vault, arn := r.PostForm.Get("vault"), r.PostForm.Get("arn")
	back := "/vaults/" + url.PathEscape(vault)
	if _, err := s.clients.Backup.DeleteRecoveryPoint(ctx, &backup.DeleteRecoveryPointInput{BackupVaultName: &vault, RecoveryPointArn: &arn}); err != nil {
		c.redirectWith(w, r, s, back, "", "The engine refused to delete "+arn+": "+apiMessage(err))
		return
	}
	c.redirectWith(w, r, s, back, "Recovery point "+arn+" is being deleted.", "")
}
