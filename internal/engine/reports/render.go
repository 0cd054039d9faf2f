package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"time"
)

// Period is the span a report covers: job reports list the jobs created in it; compliance
// reports the verdicts at its end. A daily report covers the 24 hours before it runs.
type Period struct{ Start, End time.Time }

// Table is a rendered report: its columns and rows of cells, in column order.
type Table struct {
	Template string
	Columns  []string
	Rows     [][]string
}

// Columns per template, named as AWS's report content names them. Every report starts with the
// period it covers, the account and the Region.
var columns = map[string][]string{
	BackupJobReport: {"Report Time Period Start", "Report Time Period End", "Account ID", "Region", "Backup Job ID", "Job Status", "Status Message",
		"Resource Type", "Resource ARN", "Backup Plan ARN", "Backup Rule ID", "Creation Date", "Completion Date", "Recovery Point ARN",
		"Job Run Time", "Backup Size in Bytes", "Backup Vault Name", "Backup Vault ARN", "IAM Role ARN"},
	CopyJobReport: {"Report Time Period Start", "Report Time Period End", "Account ID", "Region", "Copy Job ID", "Job Status", "Status Message",
		"Resource Type", "Resource ARN", "Creation Date", "Completion Date", "Source Recovery Point ARN", "Destination Recovery Point ARN",
		"Job Run Time", "Backup Size in Bytes", "Source Backup Vault ARN", "Destination Backup Vault ARN", "IAM Role ARN"},
	RestoreJobReport: {"Report Time Period Start", "Report Time Period End", "Account ID", "Region", "Restore Job ID", "Job Status", "Status Message",
		"Resource Type", "Resource ARN", "Recovery Point ARN", "Creation Date", "Completion Date", "Job Run Time", "Restore Size in Bytes",
		"Created Resource ARN", "IAM Role ARN"},
	ResourceComplianceReport: {"Report Time Period Start", "Report Time Period End", "Account ID", "Region", "Framework Name", "Framework ARN",
		"Control Name", "Resource Type", "Resource ARN", "Resource Compliance Status", "Compliance Reason", "Evaluation Time"},
	ControlComplianceReport: {"Report Time Period Start", "Report Time Period End", "Account ID", "Region", "Framework Name", "Framework ARN",
		"Control Name", "Control Compliance Status", "Compliant Resources", "Non-compliant Resources", "Total Resources Evaluated", "Evaluation Time"},
}

// Columns returns the columns of template.
func Columns(template string) []string { return columns[template] }

// Job is one backup, copy or restore job as a job report shows it.
type Job struct {
	AccountID, Region    string
	ID, Status, Message  string
	ResourceType         string
	ResourceARN          string
	PlanARN, RuleID      string // backup jobs
	Created, Completed   time.Time
	RecoveryPointARN     string // backup and restore jobs; a copy's source point
	DestRecoveryPointARN string // copy jobs
	SizeInBytes          int64
	VaultName, VaultARN  string // backup jobs; a copy's source vault ARN
	DestVaultARN         string // copy jobs
	CreatedResourceARN   string // restore jobs
	IamRoleARN           string
}

// Verdict is one control's verdict on one resource, in one framework.
type Verdict struct {
	AccountID, Region string
	FrameworkName     string
	FrameworkARN      string
	ControlName       string
	ResourceType      string
	ResourceARN       string
	Status            string // COMPLIANT or NON_COMPLIANT
	Reason            string
	EvaluatedAt       time.Time
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func runTime(j Job) string {
	if j.Completed.IsZero() {
		return ""
	}
	return j.Completed.Sub(j.Created).Round(time.Second).String()
}

// JobTable renders a job report of template over p.
func JobTable(template string, p Period, jobs []Job) (Table, error) {
	if template != BackupJobReport && template != CopyJobReport && template != RestoreJobReport {
		return Table{}, fmt.Errorf("reports: %s is not a job report", template)
	}
	t := Table{Template: template, Columns: columns[template], Rows: [][]string{}}
	head := func(j Job) []string { return []string{stamp(p.Start), stamp(p.End), j.AccountID, j.Region} }
	for _, j := range jobs {
		row := head(j)
		size := strconv.FormatInt(j.SizeInBytes, 10)
		switch template {
		case BackupJobReport:
			row = append(row, j.ID, j.Status, j.Message, j.ResourceType, j.ResourceARN, j.PlanARN, j.RuleID, stamp(j.Created), stamp(j.Completed),
				j.RecoveryPointARN, runTime(j), size, j.VaultName, j.VaultARN, j.IamRoleARN)
		case CopyJobReport:
			row = append(row, j.ID, j.Status, j.Message, j.ResourceType, j.ResourceARN, stamp(j.Created), stamp(j.Completed), j.RecoveryPointARN,
				j.DestRecoveryPointARN, runTime(j), size, j.VaultARN, j.DestVaultARN, j.IamRoleARN)
		case RestoreJobReport:
			row = append(row, j.ID, j.Status, j.Message, j.ResourceType, j.ResourceARN, j.RecoveryPointARN, stamp(j.Created), stamp(j.Completed),
				runTime(j), size, j.CreatedResourceARN, j.IamRoleARN)
		default:
			return Table{}, fmt.Errorf("reports: %s is not a job report", template)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// ComplianceTable renders a compliance report of template over p: one row per verdict
// (RESOURCE_COMPLIANCE_REPORT), or per framework control, which is COMPLIANT when every resource
// it judges is (CONTROL_COMPLIANCE_REPORT). verdicts are grouped by framework and control, in
// order.
func ComplianceTable(template string, p Period, verdicts []Verdict) (Table, error) {
	t := Table{Template: template, Columns: columns[template], Rows: [][]string{}}
	switch template {
	case ResourceComplianceReport:
		for _, v := range verdicts {
			t.Rows = append(t.Rows, []string{stamp(p.Start), stamp(p.End), v.AccountID, v.Region, v.FrameworkName, v.FrameworkARN, v.ControlName,
				v.ResourceType, v.ResourceARN, v.Status, v.Reason, stamp(v.EvaluatedAt)})
		}
	case ControlComplianceReport:
		type key struct{ framework, control string }
		var order []key
		counts := map[key][2]int{}
		first := map[key]Verdict{}
		for _, v := range verdicts {
			k := key{v.FrameworkARN, v.ControlName}
			if _, ok := first[k]; !ok {
				order = append(order, k)
				first[k] = v
			}
			c := counts[k]
			if v.Status == "COMPLIANT" {
				c[0]++
			} else {
				c[1]++
			}
			counts[k] = c
		}
		for _, k := range order {
			v, c := first[k], counts[k]
			status := "COMPLIANT"
			if c[1] > 0 {
				status = "NON_COMPLIANT"
			}
			t.Rows = append(t.Rows, []string{stamp(p.Start), stamp(p.End), v.AccountID, v.Region, v.FrameworkName, v.FrameworkARN, v.ControlName,
				status, strconv.Itoa(c[0]), strconv.Itoa(c[1]), strconv.Itoa(c[0] + c[1]), stamp(v.EvaluatedAt)})
		}
	default:
		return Table{}, fmt.Errorf("reports: %s is not a compliance report", template)
	}
	return t, nil
}

// Encode writes t in format: CSV with a header row, or JSON as {"reportItems": [{column: value}]}.
func Encode(t Table, format string) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case CSV:
		w := csv.NewWriter(&buf)
		if err := w.Write(t.Columns); err != nil {
			return nil, err
		}
		if err := w.WriteAll(t.Rows); err != nil {
			return nil, err
		}
	case JSON:
		items := make([]map[string]string, 0, len(t.Rows))
		for _, r := range t.Rows {
			item := make(map[string]string, len(t.Columns))
			for i, c := range t.Columns {
				item[c] = r[i]
			}
			items = append(items, item)
		}
		if err := json.NewEncoder(&buf).Encode(map[string]any{"reportItems": items}); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("reports: unknown format %q", format)
	}
	return buf.Bytes(), nil
}

// Key is where a report goes in its bucket, as S3KeyPrefix documents it:
// "s3://your-bucket-name/prefix/Backup/us-west-2/year/month/day/report-name". The report name is
// the plan's name, the template and the run's time, so reports of one day never overwrite each
// other: PLAN_TEMPLATE_YYYYMMDDTHHMMSSZ.csv (or .json).
func Key(prefix, region, plan, template string, at time.Time, format string) string {
	at = at.UTC()
	ext := ".csv"
	if format == JSON {
		ext = ".json"
	}
	name := fmt.Sprintf("%s_%s_%s%s", plan, template, at.Format("20060102T150405Z"), ext)
	return path.Join(prefix, "Backup", region, at.Format("2006"), at.Format("01"), at.Format("02"), name)
}
