package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func record(i int) Record {
	return Record{
		EventTime: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339Nano),
		EventName: []string{"CreateBackupVault", "DeleteRecoveryPoint", "ListBackupVaults"}[i%3],
		AWSRegion: "us-east-1", UserIdentity: Identity{AccountID: fmt.Sprintf("%012d", 100+i%2), AccessKeyID: "AKIDEXAMPLE"},
		RequestParameters: map[string]any{"BackupVaultArn": fmt.Sprintf("arn:aws:backup:us-east-1:123456789012:backup-vault:v%d", i%4)},
		RequestID:         fmt.Sprintf("req-%d", i), EventID: fmt.Sprintf("ev-%d", i),
	}
}

func writeRecords(t *testing.T, dir string, maxBytes int64, n int) {
	t.Helper()
	l, err := Open(dir, maxBytes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := l.Append(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
}

func writeLines(t *testing.T, path string, lines [][]byte) {
	t.Helper()
	if err := os.WriteFile(path, append(bytes.Join(lines, []byte("\n")), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustVerify(t *testing.T, dir string, want int) {
	t.Helper()
	problems, n, err := Verify(dir)
	if err != nil || len(problems) > 0 || n != want {
		t.Fatalf("Verify = %v, %d records, %v; want a whole chain of %d", problems, n, err, want)
	}
}

// oneProblem asserts Verify names exactly the given line, with a reason containing want.
func oneProblem(t *testing.T, dir, file string, line int, want string) {
	t.Helper()
	problems, _, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].File != file || problems[0].Line != line || !strings.Contains(problems[0].Reason, want) {
		t.Fatalf("Verify = %v, want one problem at %s:%d saying %q", problems, file, line, want)
	}
}

func TestChainVerifiesAndContinuesAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 0, 5)
	writeRecords(t, dir, 0, 5)
	mustVerify(t, dir, 10)
	lines := readLines(t, filepath.Join(dir, CurrentFile))
	var r Record
	if err := json.Unmarshal(lines[5], &r); err != nil {
		t.Fatal(err)
	}
	if r.Sequence != 6 || r.PreviousHash != hashLine(lines[4]) || r.EventSource != EventSource {
		t.Fatalf("record 6 after reopening = seq %d prev %s source %s; want seq 6 chained to record 5", r.Sequence, r.PreviousHash, r.EventSource)
	}
}

func TestVerifyNamesEditedRecord(t *testing.T) {
	for _, line := range []int{1, 4, 10} { // first, middle and newest
		t.Run(fmt.Sprint(line), func(t *testing.T) {
			dir := t.TempDir()
			writeRecords(t, dir, 0, 10)
			path := filepath.Join(dir, CurrentFile)
			lines := readLines(t, path)
			i := bytes.Index(lines[line-1], []byte("req-"))
			lines[line-1][i] = 'X' // one byte
			writeLines(t, path, lines)
			oneProblem(t, dir, CurrentFile, line, "edited")
		})
	}
}

func TestVerifyNamesEditWithRecomputedOwnHash(t *testing.T) {
	// An editor who also recomputes the record's own hash is caught by the next record.
	dir := t.TempDir()
	writeRecords(t, dir, 0, 6)
	path := filepath.Join(dir, CurrentFile)
	lines := readLines(t, path)
	var r Record
	if err := json.Unmarshal(lines[2], &r); err != nil {
		t.Fatal(err)
	}
	r.EventName, r.RecordHash = "Nothing", ""
	resealed, err := seal(r)
	if err != nil {
		t.Fatal(err)
	}
	lines[2] = resealed
	writeLines(t, path, lines)
	oneProblem(t, dir, CurrentFile, 3, "edited")
}

func TestVerifyNamesRemovedAndReorderedRecords(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 0, 8)
	path := filepath.Join(dir, CurrentFile)
	lines := readLines(t, path)
	writeLines(t, path, append(append([][]byte{}, lines[:3]...), lines[4:]...))
	oneProblem(t, dir, CurrentFile, 4, "1 record(s) removed")

	lines[3], lines[4] = lines[4], lines[3]
	writeLines(t, path, lines)
	problems, _, err := Verify(dir)
	if err != nil || len(problems) == 0 || problems[0].Line != 4 || !strings.Contains(problems[0].Reason, "removed") {
		t.Fatalf("Verify after a swap = %v, %v; want line 4 named first", problems, err)
	}
	found := false
	for _, p := range problems {
		found = found || (p.Line == 5 && strings.Contains(p.Reason, "reordered"))
	}
	if !found {
		t.Fatalf("Verify after a swap = %v; want line 5 named as reordered", problems)
	}

	writeLines(t, path, lines[1:])
	problems, _, _ = Verify(dir)
	if len(problems) == 0 || problems[0].Line != 1 || !strings.Contains(problems[0].Reason, "removed") {
		t.Fatalf("Verify without the first record = %v; want line 1 named", problems)
	}
}

func TestRotationKeepsTheChain(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 2000, 40)
	files, err := Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 || filepath.Base(files[0]) != "audit-000001.jsonl" {
		t.Fatalf("files = %v; want several rotated files", files)
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() > 2000 {
			t.Errorf("%s is %d bytes, over the 2000 byte limit", f, st.Size())
		}
	}
	mustVerify(t, dir, 40)
	prev := readLines(t, files[0])
	first := readLines(t, files[1])[0]
	var r Record
	if err := json.Unmarshal(first, &r); err != nil {
		t.Fatal(err)
	}
	if r.PreviousHash != hashLine(prev[len(prev)-1]) {
		t.Fatal("the first record of the second file does not carry the hash of the first file's last")
	}
	// Removing a whole rotated file from the middle breaks the chain at the next file.
	if err := os.Remove(files[1]); err != nil {
		t.Fatal(err)
	}
	problems, _, _ := Verify(dir)
	if len(problems) != 1 || problems[0].File != filepath.Base(files[2]) || problems[0].Line != 1 || !strings.Contains(problems[0].Reason, "removed") {
		t.Fatalf("Verify without %s = %v", files[1], problems)
	}
}

func TestOpenRefusesTornTail(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 0, 3)
	f, err := os.OpenFile(filepath.Join(dir, CurrentFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"eventVersion":"1.0`)
	_ = f.Close()
	if _, err := Open(dir, 0); err == nil || !strings.Contains(err.Error(), "torn") {
		t.Fatalf("Open after a torn write = %v; want a refusal naming it", err)
	}
	oneProblem(t, dir, CurrentFile, 4, "not a record")
}

func TestLookupFilters(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, 1500, 30)
	count := func(f Filter) int {
		n := 0
		if err := Lookup(dir, f, func(r Record, _ json.RawMessage) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	start := time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)
	for name, c := range map[string]struct {
		f    Filter
		want int
	}{
		"all":        {Filter{}, 30},
		"event name": {Filter{EventName: "DeleteRecoveryPoint"}, 10},
		"account":    {Filter{AccountID: "000000000101"}, 15},
		"resource":   {Filter{ResourceARN: "arn:aws:backup:us-east-1:123456789012:backup-vault:v1"}, 8},
		"time range": {Filter{Start: start, End: start.Add(4 * time.Second)}, 5},
		"combined":   {Filter{EventName: "CreateBackupVault", AccountID: "000000000100", Start: start}, 3}, // i%6 == 0, i >= 10
		"no match":   {Filter{AccessKeyID: "AKIDOTHER"}, 0},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d records, want %d", name, got, c.want)
		}
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := record(0)
	r.RequestParameters = map[string]any{
		"Locator":         "postgres://app:hunter2@db/orders",
		"Nested":          []any{map[string]any{"SecretAccessKey": "wJalrXUtnFEMI", "Name": "kept"}},
		"Description":     "see s3://AKID:s3cr3tvalue@bucket and host?sslmode=require&password=pa55word",
		"NextToken":       "page-2",
		"SessionToken":    "tok-123",
		"BackupVaultName": "v",
	}
	r.ErrorMessage = "cannot reach postgres://app:hunter2@db/orders"
	if err := l.Append(r); err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
	b, err := os.ReadFile(filepath.Join(dir, CurrentFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "wJalrXUtnFEMI", "s3cr3tvalue", "pa55word", "tok-123"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the audit log holds the secret %q: %s", secret, b)
		}
	}
	for _, kept := range []string{"kept", "page-2", `"BackupVaultName":"v"`, "s3://AKID:"} {
		if !bytes.Contains(b, []byte(kept)) {
			t.Errorf("the audit log lost %q, which is no secret: %s", kept, b)
		}
	}
}

// BenchmarkAppend measures one durable (fsynced) append.
func BenchmarkAppend(b *testing.B) {
	l, err := Open(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := record(1)
	for b.Loop() {
		if err := l.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendRead measures one read's append, which returns before its fsync.
func BenchmarkAppendRead(b *testing.B) {
	l, err := Open(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := record(2)
	for b.Loop() {
		if err := l.AppendRead(r); err != nil {
			b.Fatal(err)
		}
	}
}
