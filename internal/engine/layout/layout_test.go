package layout

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestJoinBuildsPathsBeneathTheRoot(t *testing.T) {
	root := t.TempDir()
	got, err := Join(root, "repos", "123456789012", "us-east-1", "prod")
	if want := filepath.Join(root, "repos", "123456789012", "us-east-1", "prod"); err != nil || got != want {
		t.Fatalf("Join = %q, %v; want %q", got, err, want)
	}
	if got, err := Join("relative/dir", "master.key"); err != nil || got != filepath.Join("relative", "dir", "master.key") {
		t.Errorf("Join under a relative root = %q, %v", got, err)
	}
	if got, err := Join(root, "köln-ü", "a..b", ".hidden"); err != nil || got != filepath.Join(root, "köln-ü", "a..b", ".hidden") {
		t.Errorf("Join of unusual but single elements = %q, %v", got, err)
	}
}

func TestJoinRefusesHostileParts(t *testing.T) {
	root := t.TempDir()
	for name, parts := range map[string][]string{
		"dot-dot":             {"repos", "210987654321", "..", "123456789012"},
		"dot":                 {"repos", "123456789012", ".", "us-east-1"},
		"empty":               {"repos", "", "x"},
		"slash":               {"/"},
		"absolute":            {"/etc"},
		"nested escape":       {"a/../.."},
		"trailing slash":      {"repos/"},
		"NUL":                 {"us-east-1\x00"},
		"newline":             {"a\nb"},
		"256 bytes":           {strings.Repeat("a", 256)},
		"invalid UTF-8":       {"\xff\xfe"},
		"no parts":            nil,
		"dot-dot after valid": {"repos", ".."},
	} {
		if got, err := Join(root, parts...); !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: Join(%q) = %q, %v; want ErrUnsafe", name, parts, got, err)
		}
	}
	for _, root := range []string{"", "a\x00b"} {
		if _, err := Join(root, "x"); !errors.Is(err, ErrUnsafe) {
			t.Errorf("root %q: %v, want ErrUnsafe", root, err)
		}
	}
	if _, err := Join(root, strings.Repeat("a", 255)); err != nil {
		t.Errorf("a 255-byte name: %v", err)
	}
}

// The attacks that reached other vaults: region ".." with a vault named after another account,
// and region "." with a vault named like a region.
func TestVaultRepoRefusesNamesThatAreNotTheirLevel(t *testing.T) {
	root := t.TempDir()
	if got, err := VaultRepo(root, "123456789012", "us-east-1", "prod"); err != nil || got != filepath.Join(root, "repos", "123456789012", "us-east-1", "prod") {
		t.Fatalf("VaultRepo = %q, %v", got, err)
	}
	if got, err := ColdRepo(root, "123456789012", "eu-west-1", "dr_vault-2"); err != nil || got != filepath.Join(root, "cold", "123456789012", "eu-west-1", "dr_vault-2") {
		t.Fatalf("ColdRepo = %q, %v", got, err)
	}
	for _, c := range [][3]string{
		{"210987654321", "..", "123456789012"},
		{"123456789012", ".", "us-east-1"},
		{"123456789012", "zz fake", "prod"},
		{"123456789012", "us-east-1:999999999999", "prod"},
		{"12345678901", "us-east-1", "prod"},
		{"..", "us-east-1", "prod"},
		{"123456789012", "us-east-1", ".."},
		{"123456789012", "us-east-1", "a/b"},
		{"123456789012", "us-east-1", "a.b"},
		{"123456789012", "us-east-1", ""},
	} {
		for _, build := range []func(string, string, string, string) (string, error){VaultRepo, ColdRepo} {
			if got, err := build(root, c[0], c[1], c[2]); !errors.Is(err, ErrUnsafe) {
				t.Errorf("%q: %q, %v; want ErrUnsafe", c, got, err)
			}
		}
	}
}

func TestMustJoinPanicsOnlyOnAProgrammingError(t *testing.T) {
	if got := MustJoin("/data", "master.key"); got != filepath.Join("/data", "master.key") {
		t.Errorf("MustJoin = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustJoin with \"..\" did not panic")
		}
	}()
	MustJoin("/data", "..")
}
