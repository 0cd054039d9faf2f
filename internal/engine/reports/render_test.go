package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"
)

var at = time.Date(2024, 1, 17, 12, 0, 0, 0, time.UTC)

// The key layout of S3KeyPrefix's documentation: prefix/Backup/REGION/YYYY/MM/DD/report-name.
func TestKeyFollowsAWSsLayout(t *testing.T) {
	for _, tc := range []struct{ prefix, format, want string }{
		{"auditors", CSV, "auditors/Backup/eu-west-1/2024/01/17/daily_CONTROL_COMPLIANCE_REPORT_20240117T120000Z.csv"},
		{"", JSON, "Backup/eu-west-1/2024/01/17/daily_CONTROL_COMPLIANCE_REPORT_20240117T120000Z.json"},
		{"a/b/", CSV, "a/b/Backup/eu-west-1/2024/01/17/daily_CONTROL_COMPLIANCE_REPORT_20240117T120000Z.csv"},
	} {
		if got := Key(tc.prefix, "eu-west-1", "daily", ControlComplianceReport, at, tc.format); got != tc.want {
			t.Errorf("Key(%q, %s) = %s, want %s", tc.prefix, tc.format, got, tc.want)
		}
	}
}

// A control is COMPLIANT in the control report only when every resource it judged is.
func TestControlReportCountsVerdictsPerControl(t *testing.T) {
	v := func(control, res, status string) Verdict {
		return Verdict{AccountID: "111122223333", Region: "us-east-1", FrameworkName: "f", FrameworkARN: "arn:f", ControlName: control, ResourceARN: res, Status: status, EvaluatedAt: at}
	}
	table, err := ComplianceTable(ControlComplianceReport, Period{at.Add(-24 * time.Hour), at}, []Verdict{
		v("A", "r1", "COMPLIANT"), v("B", "r1", "NON_COMPLIANT"), v("A", "r2", "COMPLIANT"), v("B", "r2", "COMPLIANT")})
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range table.Columns {
		col[c] = i
	}
	if len(table.Rows) != 2 {
		t.Fatalf("rows = %v", table.Rows)
	}
	a, b := table.Rows[0], table.Rows[1]
	if a[col["Control Name"]] != "A" || a[col["Control Compliance Status"]] != "COMPLIANT" || a[col["Compliant Resources"]] != "2" ||
		b[col["Control Compliance Status"]] != "NON_COMPLIANT" || b[col["Non-compliant Resources"]] != "1" || b[col["Total Resources Evaluated"]] != "2" {
		t.Errorf("rows = %v", table.Rows)
	}
}

// CSV has a header row then one row per job; JSON has the same cells keyed by column.
func TestEncodeCSVAndJSON(t *testing.T) {
	table, err := JobTable(BackupJobReport, Period{at.Add(-24 * time.Hour), at}, []Job{{AccountID: "111122223333", Region: "us-east-1", ID: "job-1",
		Status: "COMPLETED", ResourceType: "EFS", ResourceARN: "arn:r", Created: at.Add(-time.Hour), Completed: at.Add(-59 * time.Minute), SizeInBytes: 42,
		VaultName: "v", Message: `a "quoted", message`}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(table, CSV)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) != 2 || len(rows[0]) != len(Columns(BackupJobReport)) {
		t.Fatalf("CSV = %q, %v", b, err)
	}
	row := map[string]string{}
	for i, c := range rows[0] {
		row[c] = rows[1][i]
	}
	if row["Backup Job ID"] != "job-1" || row["Job Run Time"] != "1m0s" || row["Backup Size in Bytes"] != "42" || row["Status Message"] != `a "quoted", message` ||
		row["Report Time Period Start"] != "2024-01-16T12:00:00Z" {
		t.Errorf("CSV row = %v", row)
	}
	j, err := Encode(table, JSON)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ReportItems []map[string]string `json:"reportItems"`
	}
	if err := json.Unmarshal(j, &doc); err != nil || len(doc.ReportItems) != 1 || doc.ReportItems[0]["Backup Job ID"] != "job-1" {
		t.Errorf("JSON = %s, %v", j, err)
	}
	if _, err := JobTable(ControlComplianceReport, Period{}, nil); err == nil {
		t.Error("a compliance template rendered as a job report")
	}
}
