package layout

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzJoin: whatever the parts, Join returns a path strictly beneath the root, made of exactly
// the parts given (never a cleaned-up other path), or an error wrapping ErrUnsafe. Seeds are in
// testdata/fuzz/FuzzJoin.
func FuzzJoin(f *testing.F) {
	f.Add("/srv/data", "repos", "123456789012", "us-east-1")
	f.Fuzz(func(t *testing.T, root, a, b, c string) {
		got, err := Join(root, a, b, c)
		if err != nil {
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("Join(%q, %q, %q, %q): error %v does not wrap ErrUnsafe", root, a, b, c, err)
			}
			return
		}
		base := filepath.Clean(root)
		rel, err := filepath.Rel(base, got)
		if err != nil || !filepath.IsLocal(rel) || rel == "." {
			t.Fatalf("Join(%q, %q, %q, %q) = %q, which is not beneath %q", root, a, b, c, got, base)
		}
		if want := filepath.Join(a, b, c); rel != want {
			t.Fatalf("Join(%q, %q, %q, %q) = %q: below the root it is %q, not the parts %q", root, a, b, c, got, rel, want)
		}
		if strings.Count(rel, string(filepath.Separator)) != 2 {
			t.Fatalf("Join(%q, %q, %q, %q) = %q: %d levels below the root, want 3", root, a, b, c, got, strings.Count(rel, string(filepath.Separator))+1)
		}
	})
}

// FuzzVaultRepo: a vault's repository is always root/repos/ACCOUNT/REGION/VAULT for exactly the
// names given, or an error.
func FuzzVaultRepo(f *testing.F) {
	f.Add("123456789012", "us-east-1", "prod")
	f.Fuzz(func(t *testing.T, account, regionName, vault string) {
		root := "/srv/data"
		got, err := VaultRepo(root, account, regionName, vault)
		if err != nil {
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("VaultRepo(%q, %q, %q): error %v does not wrap ErrUnsafe", account, regionName, vault, err)
			}
			return
		}
		if want := root + "/repos/" + account + "/" + regionName + "/" + vault; filepath.ToSlash(got) != want {
			t.Fatalf("VaultRepo(%q, %q, %q) = %q, want %q", account, regionName, vault, got, want)
		}
	})
}
