package cli

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/credentials"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/s3/s3test"
)

// engine verify reads a vault that config.json puts in S3, with the engine's credentials from
// its environment, and finds a flipped byte in a pack there.
func TestVerifyReadsAVaultOnS3(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	srv.CreateBucket(t, "vaults")
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	dataDir := t.TempDir()
	doc := `{"regions": {"us-east-1": {"storage": "s3://vaults/engine?endpoint=` + srv.Endpoint + `"}}}`
	if err := os.WriteFile(filepath.Join(dataDir, config.FileName), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(doc), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := engine.RemoteStore(ctx, cfg, credentials.DefaultAccountID, engine.DefaultRegion, "prod-vault", false)
	if err != nil || st == nil {
		t.Fatalf("RemoteStore: %v, %v", st, err)
	}
	mk, err := keyring.LoadOrCreateMasterKey(engine.MasterKeyPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := content.Init(ctx, st, mk, "arn:aws:kms:us-east-1:123456789012:key/k")
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	big := make([]byte, 3<<20)
	rand.NewChaCha8([32]byte{2}).Read(big)
	os.WriteFile(filepath.Join(src, "big.bin"), big, 0o644)
	if _, err := efs.Backup(ctx, repo, src, "", nil); err != nil {
		t.Fatal(err)
	}
	_ = repo.Close()

	code, out, errOut := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault", "--read-data")
	if code != 0 || !strings.Contains(out, "no problems found") {
		t.Fatalf("verify of a clean S3 vault: exit %d\n%s%s", code, out, errOut)
	}
	// versitygw's posix backend keeps each object in a file: flip a byte of a pack there.
	pack := firstObject(t, filepath.Join(srv.Dir, "vaults", "engine", credentials.DefaultAccountID, engine.DefaultRegion, "prod-vault", "warm"), "packs")
	b, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/3] ^= 0xff
	os.WriteFile(pack, b, 0o600)
	code, out, errOut = runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault", "--read-data")
	if code != 1 || !strings.Contains(out, "problem: pack packs/") || !strings.Contains(errOut, "s3://vaults/engine/") {
		t.Fatalf("flipped byte in an S3 pack: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if code, _, errOut := runCLI("verify", "--data-dir", dataDir, "--vault", "other-vault"); code != 1 || !strings.Contains(errOut, "no warm repository at s3://vaults/engine/") {
		t.Fatalf("a vault with nothing in S3: exit %d, %s", code, errOut)
	}
}
