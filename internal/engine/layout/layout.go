// Package layout builds every path the engine keeps under its data dir, and under a region's
// configured storage dir. Join is the one function that does it: it refuses, with an error,
// anything that would not be a path strictly beneath its root, whatever the inputs. It never
// cleans a ".." or "." away into some other path, as filepath.Join does, because a cleaned-up
// hostile name is still a name the caller did not mean: region ".." and vault "123456789012"
// once joined into the whole tree of another account.
//
// The checks are lexical: Join guarantees the path names a place under root. Whether a symlink
// inside root leads elsewhere is for the code that opens the path. Join is hand-written because
// the standard library has no "join these elements or fail": filepath.Join cleans, and os.Root
// confines opens rather than building the paths the blob store and os.RemoveAll take. It uses
// filepath.IsLocal for the platform's own rules (reserved names on Windows, say).
package layout

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/strongroom/terraform-provider-backup/internal/engine/names"
	"github.com/strongroom/terraform-provider-backup/internal/engine/region"
)

// ErrUnsafe matches (errors.Is) every refusal.
var ErrUnsafe = errors.New("not a path beneath its root")

// refusal is a refusal that says which part is at fault and why; it is ErrUnsafe, and also
// whatever error it carries (a names or region refusal, say).
type refusal struct {
	msg   string
	cause error
}

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Is(target error) bool { return target == ErrUnsafe }
func (r *refusal) Unwrap() error        { return r.cause }

// maxElement is the longest file name Linux and macOS allow (NAME_MAX), in bytes.
const maxElement = 255

// The top-level directories of a data dir (and of a region's storage dir).
const (
	// ReposDir holds one repository per vault: repos/ACCOUNT/REGION/VAULT.
	ReposDir = "repos"
	// ColdDir holds one cold-storage repository per vault: cold/ACCOUNT/REGION/VAULT.
	ColdDir = "cold"
)

// Join returns root with parts appended, each as one directory level. Every part must be a
// single path element: not empty, not "." or "..", without a path separator, NUL or other
// control character, valid UTF-8, and at most 255 bytes. The result is checked to lie strictly
// beneath root as well. Anything else is an error wrapping ErrUnsafe; root itself must be
// non-empty and free of NUL.
func Join(root string, parts ...string) (string, error) {
	if root == "" || strings.ContainsRune(root, 0) {
		return "", &refusal{msg: fmt.Sprintf("root %q must be a non-empty path without NUL", root)}
	}
	if len(parts) == 0 {
		return "", &refusal{msg: fmt.Sprintf("no path below %s given", root)}
	}
	for i, p := range parts {
		if err := element(p); err != nil {
			return "", &refusal{msg: fmt.Sprintf("path element %d (%q) under %s %v", i+1, p, root, err)}
		}
	}
	base := filepath.Clean(root)
	joined := filepath.Join(append([]string{base}, parts...)...)
	rel, err := filepath.Rel(base, joined)
	if err != nil || rel == "." || !filepath.IsLocal(rel) {
		return "", &refusal{msg: fmt.Sprintf("%q is not beneath %s", joined, root)}
	}
	return joined, nil
}

// element says why p cannot be one path element, or returns nil.
func element(p string) error {
	switch {
	case p == "":
		return errors.New("is empty")
	case p == "." || p == "..":
		return errors.New("is a relative reference")
	case len(p) > maxElement:
		return fmt.Errorf("is longer than %d bytes", maxElement)
	case !utf8.ValidString(p):
		return errors.New("is not valid UTF-8")
	case strings.ContainsRune(p, '/') || strings.ContainsRune(p, os.PathSeparator):
		return errors.New("contains a path separator")
	case strings.ContainsFunc(p, unicode.IsControl):
		return errors.New("contains a control character")
	case !filepath.IsLocal(p):
		return errors.New("is not a local name on this platform")
	}
	return nil
}

// MustJoin is Join for parts fixed in the source (a file name constant, never a caller's
// input) under a root already known to be valid, such as the data dir an engine opened. It
// panics where Join fails, which only a programming error can cause.
func MustJoin(root string, fixed ...string) string {
	p, err := Join(root, fixed...)
	if err != nil {
		panic(err)
	}
	return p
}

// VaultRepo is the directory of a vault's repository under root: repos/ACCOUNT/REGION/VAULT.
func VaultRepo(root, account, regionName, vault string) (string, error) {
	return vaultDir(root, ReposDir, account, regionName, vault)
}

// ColdRepo is the directory of a vault's cold-storage repository under root:
// cold/ACCOUNT/REGION/VAULT.
func ColdRepo(root, account, regionName, vault string) (string, error) {
	return vaultDir(root, ColdDir, account, regionName, vault)
}

// vaultDir checks the three names before joining them. Join alone keeps the path beneath root;
// the name rules also keep each vault in a directory of its own: no name of one level can be
// taken for a name of another, so two vaults never share (or contain) one directory.
func vaultDir(root, top, account, regionName, vault string) (string, error) {
	if err := names.Account(account); err != nil {
		return "", &refusal{msg: err.Error(), cause: err}
	}
	if err := region.ValidName(regionName); err != nil {
		return "", &refusal{msg: err.Error(), cause: err}
	}
	if err := names.Vault(vault); err != nil {
		return "", &refusal{msg: err.Error(), cause: err}
	}
	return Join(root, top, account, regionName, vault)
}
