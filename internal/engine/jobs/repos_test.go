package jobs_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/jobs"
	"github.com/strongroom/terraform-provider-backup/internal/engine/layout"
)

// The vaults of one account, in any region and warm or cold, give the same content the same chunk
// IDs (so a copy or a move to cold storage between them re-seals only what the destination
// lacks), and the vaults of two accounts never do.
func TestReposShareChunkIDsWithinAnAccountOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := &jobs.Repos{
		Dir: func(account, region, vault string) (string, error) {
			return layout.Join(dir, "warm", account, region, vault)
		},
		ColdDir: func(account, region, vault string) (string, error) {
			return layout.Join(dir, "cold", account, region, vault)
		},
		MasterKeyPath: filepath.Join(dir, "master.key"),
		NewStore:      func(d string) (blob.Store, error) { return blob.NewLocal(d) },
	}
	t.Cleanup(func() { _ = r.Close() })
	open := func(account, region, vault string, cold bool) *content.Repository {
		t.Helper()
		key := "arn:aws:kms:" + region + ":" + account + ":key/" + vault
		var repo *content.Repository
		var err error
		if cold {
			repo, err = r.OpenCold(ctx, account, region, vault, key, true)
		} else {
			repo, err = r.Open(ctx, account, region, vault, key, true)
		}
		if err != nil {
			t.Fatal(err)
		}
		return repo
	}
	data := make([]byte, 12<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	src := open("111111111111", "us-east-1", "primary", false)
	snap, err := src.BackupStream(ctx, bytes.NewReader(data), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		dst     *content.Repository
		sharing bool
	}{
		{"another region of the account", open("111111111111", "eu-west-1", "dr", false), true},
		{"the cold tier of the account's vault", open("111111111111", "us-east-1", "primary", true), true},
		{"another account", open("222222222222", "us-east-1", "primary", false), false},
	} {
		// The destination's own backup of the same data, then a copy into it: with shared IDs
		// the copy finds every chunk there already.
		if _, err := c.dst.BackupStream(ctx, bytes.NewReader(data), nil, nil); err != nil {
			t.Fatal(err)
		}
		cp, err := content.CopySnapshot(ctx, src, c.dst, snap.ID, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if shared := cp.StoredBytes < 1<<20; shared != c.sharing {
			t.Errorf("%s: the copy stored %d bytes of %d the destination had backed up itself (sharing IDs: %v, want %v)", c.name, cp.StoredBytes, len(data), shared, c.sharing)
		}
	}
}
