package cli

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
)

// newVault makes a data dir with one vault repository holding a backup of a small tree, as the
// engine lays them out, and returns the data dir and the repository directory.
func newVault(t *testing.T) (dataDir, repoDir string) {
	t.Helper()
	ctx := context.Background()
	dataDir = t.TempDir()
	repoDir, err := engine.VaultRepoDir(dataDir, credentials.DefaultAccountID, engine.DefaultRegion, "prod-vault")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := keyring.LoadOrCreateMasterKey(engine.MasterKeyPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := blob.NewLocal(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := content.Init(ctx, st, mk, "arn:aws:kms:us-east-1:123456789012:key/k")
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	// Incompressible, so the pack is mostly chunk bodies and a flip in its middle hits one.
	big := make([]byte, 3<<20)
	rnd := rand.NewChaCha8([32]byte{1})
	rnd.Read(big)
	os.WriteFile(filepath.Join(src, "big.bin"), big, 0o644)
	os.WriteFile(filepath.Join(src, "small.txt"), []byte("hello"), 0o644)
	if _, err := efs.Backup(ctx, repo, src, "", nil); err != nil {
		t.Fatal(err)
	}
	return dataDir, repoDir
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func firstObject(t *testing.T, dir, prefix string) string {
	t.Helper()
	var found string
	filepath.WalkDir(filepath.Join(dir, prefix), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && found == "" {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no object under %s", prefix)
	}
	return found
}

func TestVerifyCleanRepositoryExitsZero(t *testing.T) {
	dataDir, _ := newVault(t)
	for _, extra := range [][]string{nil, {"--read-data"}} {
		code, out, errOut := runCLI(append([]string{"verify", "--data-dir", dataDir, "--vault", "prod-vault"}, extra...)...)
		if code != 0 || !strings.Contains(out, "no problems found") {
			t.Fatalf("verify %v of a clean repository: exit %d\n%s%s", extra, code, out, errOut)
		}
	}
}

func TestVerifyReadDataCatchesFlippedBytesInAPack(t *testing.T) {
	dataDir, repoDir := newVault(t)
	pack := firstObject(t, repoDir, "packs")
	b, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/3] ^= 0xff
	os.WriteFile(pack, b, 0o600)
	// Structure alone does not read chunk bodies...
	if code, out, _ := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault"); code != 0 {
		t.Fatalf("structure check failed on a data-only flip: %s", out)
	}
	// ...reading the data does, and names the pack.
	code, out, errOut := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault", "--read-data")
	name := filepath.Base(pack)
	if code != 1 || !strings.Contains(out, "problem: pack packs/"+name[:2]+"/"+name) || !strings.Contains(errOut, "damaged") {
		t.Fatalf("flipped pack byte: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestVerifyCatchesATruncatedIndex(t *testing.T) {
	dataDir, repoDir := newVault(t)
	index := firstObject(t, repoDir, "index")
	fi, _ := os.Stat(index)
	if err := os.Truncate(index, fi.Size()-20); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault")
	if code != 1 || !strings.Contains(out, "problem: index index/"+filepath.Base(index)) {
		t.Fatalf("truncated index: exit %d\n%s", code, out)
	}
}

func TestVerifyOfAMissingVaultSaysWhereItLooked(t *testing.T) {
	dataDir, _ := newVault(t)
	code, _, errOut := runCLI("verify", "--data-dir", dataDir, "--vault", "no-such-vault")
	if code != 1 || !strings.Contains(errOut, "no-such-vault") || !strings.Contains(errOut, "--region") {
		t.Fatalf("missing vault: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI("verify", "--data-dir", dataDir); code != 2 || !strings.Contains(errOut, "--vault is required") {
		t.Fatalf("no --vault: exit %d, %s", code, errOut)
	}
}
