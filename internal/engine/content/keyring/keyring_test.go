package keyring

import (
	"os"
	"path/filepath"
	"testing"
)

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestMasterKeyIsCreatedOnceWithMode0600(t *testing.T) {
	p := filepath.Join(t.TempDir(), "data", "master.key")
	k1, err := LoadOrCreateMasterKey(p)
	mustNil(t, err)
	fi, err := os.Stat(p)
	mustNil(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key mode %v", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateMasterKey(p)
	mustNil(t, err)
	if k1 != k2 || k1 == (MasterKey{}) {
		t.Fatal("second load returned another key")
	}
	mustNil(t, os.WriteFile(p, []byte("garbage"), 0o600))
	if _, err := LoadOrCreateMasterKey(p); err == nil {
		t.Fatal("a damaged key file was accepted (or replaced)")
	}
	if b, _ := os.ReadFile(p); string(b) != "garbage" {
		t.Fatal("a damaged key file was overwritten")
	}
}
