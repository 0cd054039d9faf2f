package resources

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

func TestEFS_IDsAreStableAndARNsHaveAWSShape(t *testing.T) {
	e := EFS{}
	a := e.NewID("123456789012", "us-east-1", "/srv/data")
	if a != e.NewID("123456789012", "us-east-1", "/srv/data") {
		t.Errorf("the same path got two IDs")
	}
	if a == e.NewID("123456789012", "us-east-1", "/srv/data2") || a == e.NewID("123456789012", "eu-west-1", "/srv/data") {
		t.Errorf("different paths or regions share ID %s", a)
	}
	if len(a) != len("fs-")+17 || !strings.HasPrefix(a, "fs-") {
		t.Errorf("ID %q is not fs- and 17 hex digits", a)
	}
	arn := e.ARN("us-east-1", "123456789012", a)
	if arn != "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/"+a {
		t.Errorf("ARN = %s", arn)
	}
	if TypeOfARN(arn) != TypeEFS || IDOfARN(arn) != a {
		t.Errorf("TypeOfARN/IDOfARN(%s) = %s/%s", arn, TypeOfARN(arn), IDOfARN(arn))
	}
	if TypeOfARN("arn:aws:rds:us-east-1:123456789012:db:prod") != TypeRDS || TypeOfARN("arn:aws:backup:us-east-1:1:backup-vault:x") != "" {
		t.Errorf("TypeOfARN misreads other services")
	}
}

func TestResourceName_isTheNameTagElseTheBaseName(t *testing.T) {
	r := Resource{Locator: "/srv/data"}
	if r.Name() != "data" {
		t.Errorf("Name = %q", r.Name())
	}
	r.Tags = map[string]string{"Name": "customer-files"}
	if r.Name() != "customer-files" {
		t.Errorf("Name = %q", r.Name())
	}
}

func TestEFS_restoreMetadataIsTheOriginalConfiguration(t *testing.T) {
	r := Resource{ID: "fs-0123456789abcdef0", Locator: "/srv/data", Tags: map[string]string{"Name": "files"}}
	m := EFS{}.RestoreMetadata(r, "arn:aws:kms:us-east-1:123456789012:key/k")
	want := map[string]string{"file-system-id": "fs-0123456789abcdef0", "newFileSystem": "true", "Encrypted": "true",
		"KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k", "PerformanceMode": "generalPurpose", "CreationToken": "files", "source-path": "/srv/data"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("metadata has extra keys: %v", m)
	}
}

// Every restore metadata rule, judged before a job is accepted.
func TestEFS_planRestore(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	full := filepath.Join(root, "full")
	empty := filepath.Join(root, "empty")
	for _, d := range []string{src, full, empty} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(full, "x"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	source := Resource{ID: "fs-src", ARN: "arn:aws:elasticfilesystem:us-east-1:1:file-system/fs-src", Locator: src}
	lookup := func(id string) (Resource, bool, error) { return source, id == source.ID, nil }
	now := time.Date(2024, 1, 17, 2, 30, 0, 0, time.UTC)
	plan := func(meta map[string]string) (RestorePlan, error) {
		return EFS{}.PlanRestore(context.Background(), RestoreRequest{Source: source, Metadata: meta, JobID: "J1", Now: now, Lookup: lookup})
	}

	t.Run("new file system into a fresh directory", func(t *testing.T) {
		dest := filepath.Join(root, "new", "restored")
		p, err := plan(map[string]string{"file-system-id": "fs-src", "newFileSystem": "true", "destination-path": dest + "/"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Destination != dest || !p.NewResource || p.Metadata["destination-path"] != dest || len(p.Items) != 0 {
			t.Errorf("plan = %+v", p)
		}
	})
	t.Run("new file system into an empty directory", func(t *testing.T) {
		if _, err := plan(map[string]string{"destination-path": empty}); err != nil {
			t.Errorf("empty directory refused: %v", err)
		}
	})
	t.Run("newFileSystem defaults to true", func(t *testing.T) {
		p, err := plan(map[string]string{"destination-path": filepath.Join(root, "d2")})
		if err != nil || !p.NewResource || p.Metadata["newFileSystem"] != "true" {
			t.Errorf("plan = %+v, %v", p, err)
		}
	})
	t.Run("items into an existing directory of the file system", func(t *testing.T) {
		p, err := plan(map[string]string{"newFileSystem": "false", "destination-path": src, "ItemsToRestore": `["/docs/a.txt", "logs"]`})
		if err != nil {
			t.Fatal(err)
		}
		if p.NewResource || p.TargetARN != source.ARN || strings.Join(p.Items, ",") != "docs/a.txt,logs" || p.Destination != src {
			t.Errorf("plan = %+v", p)
		}
	})
	t.Run("whole tree into the original lands in aws-backup-restore_<time>", func(t *testing.T) {
		p, err := plan(map[string]string{"newFileSystem": "false"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Destination != filepath.Join(src, "aws-backup-restore_2024-01-17T02-30-00") || p.TargetARN != source.ARN {
			t.Errorf("plan = %+v", p)
		}
	})

	refusals := []struct {
		name string
		meta map[string]string
		code string
		says string
	}{
		{"no destination for a new file system", map[string]string{"newFileSystem": "true"}, apierr.InvalidParameterValue, "destination-path is required"},
		{"relative destination", map[string]string{"destination-path": "restored"}, apierr.InvalidParameterValue, "absolute path"},
		{"non-empty destination", map[string]string{"destination-path": full}, apierr.InvalidParameterValue, "is not empty"},
		{"destination is a file", map[string]string{"destination-path": filepath.Join(full, "x")}, apierr.InvalidParameterValue, "is not a directory"},
		{"typo in a key", map[string]string{"destination_path": "/x"}, apierr.InvalidParameterValue, `unknown restore metadata key "destination_path"`},
		{"newFileSystem not a bool", map[string]string{"newFileSystem": "yes please"}, apierr.InvalidParameterValue, "must be true or false"},
		{"items not JSON", map[string]string{"destination-path": empty, "ItemsToRestore": "a.txt"}, apierr.InvalidParameterValue, "JSON array"},
		{"item escapes", map[string]string{"newFileSystem": "false", "destination-path": src, "ItemsToRestore": `["../etc/passwd"]`}, apierr.InvalidParameterValue, "no .."},
		{"item is the root", map[string]string{"newFileSystem": "false", "destination-path": src, "ItemsToRestore": `["/"]`}, apierr.InvalidParameterValue, "whole file system"},
		{"both item spellings", map[string]string{"destination-path": empty, "ItemsToRestore": `["a"]`, "itemsToRestore": `["b"]`}, apierr.InvalidParameterValue, "both"},
		{"unknown file system", map[string]string{"newFileSystem": "false", "file-system-id": "fs-nope"}, apierr.InvalidParameterValue, "not a registered EFS resource"},
		{"destination outside the file system", map[string]string{"newFileSystem": "false", "destination-path": empty, "ItemsToRestore": `["a"]`}, apierr.InvalidParameterValue, "outside the file system"},
		{"whole tree over existing files of the original", map[string]string{"newFileSystem": "false", "destination-path": src + "/../src"}, apierr.InvalidParameterValue, "ItemsToRestore"},
	}
	if err := os.WriteFile(filepath.Join(src, "present"), []byte("p"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plan(tc.meta)
			e, ok := apierr.As(err)
			if !ok || e.Code != tc.code || !strings.Contains(e.Message, tc.says) {
				t.Errorf("err = %v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
}

func TestEFS_checkSourceSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	gone := Resource{ID: "fs-1", Locator: filepath.Join(dir, "gone")}
	if err := (EFS{}).CheckSource(context.Background(), gone); err == nil || !strings.Contains(err.Error(), "does not exist any more") {
		t.Errorf("missing directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if err := (EFS{}).CheckSource(context.Background(), Resource{ID: "fs-2", Locator: file}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
	if os.Getuid() != 0 {
		locked := filepath.Join(dir, "locked")
		os.Mkdir(locked, 0o000)
		defer os.Chmod(locked, 0o755)
		if err := (EFS{}).CheckSource(context.Background(), Resource{ID: "fs-3", Locator: locked}); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable directory: %v", err)
		}
	}
	if err := (EFS{}).CheckSource(context.Background(), Resource{ID: "fs-4", Locator: dir}); err != nil {
		t.Errorf("a readable directory: %v", err)
	}
}
