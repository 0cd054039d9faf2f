package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `engine verify` builds a repository path from --region, --account-id and --vault: names that
// are not a region the engine serves, an account ID and a vault name are refused as usage errors
// (exit 2) before any path is built, and a clean vault next to them is still found.
func TestVerifyRefusesFlagsThatAreNotNames(t *testing.T) {
	dataDir, _ := newVault(t)
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--region", ".."}, `".." is not a region name`},
		{[]string{"--region", "."}, `"." is not a region name`},
		{[]string{"--region", "zz-fake-9"}, `declare it in the engine config ("regions": {"zz-fake-9": {}})`},
		{[]string{"--region", "us-east-1:999999999999"}, "is not a region name"},
		{[]string{"--account-id", ".."}, "must be 12 digits"},
		{[]string{"--account-id", "12345678901"}, "must be 12 digits"},
		{[]string{"--vault", "../prod-vault"}, "must be 2 to 50 letters"},
		{[]string{"--vault", "."}, "must be 2 to 50 letters"},
	} {
		args := append([]string{"verify", "--data-dir", dataDir, "--vault", "prod-vault"}, c.args...)
		code, out, errOut := runCLI(args...)
		if code != 2 || !strings.Contains(errOut, c.says) {
			t.Errorf("verify %v: exit %d, stderr %q, stdout %q; want exit 2 saying %q", c.args, code, errOut, out, c.says)
		}
	}
	if code, out, errOut := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault"); code != 0 {
		t.Errorf("verify of the clean vault: exit %d\n%s%s", code, out, errOut)
	}
}

// A region the engine config declares is one verify accepts.
func TestVerifyAcceptsADeclaredRegion(t *testing.T) {
	dataDir, _ := newVault(t)
	if err := os.WriteFile(filepath.Join(dataDir, "config.json"), []byte(`{"regions": {"xx-lab-1": {}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("verify", "--data-dir", dataDir, "--vault", "prod-vault", "--region", "xx-lab-1")
	if code != 1 || !strings.Contains(errOut, "has no warm repository") {
		t.Errorf("verify in the declared region xx-lab-1 (no vault there): exit %d, stderr %q; want exit 1 saying it has no repository", code, errOut)
	}
}

// `engine credentials` prints export lines a shell evaluates: a --region that is not a region is
// refused rather than printed.
func TestCredentialsRefusesARegionThatIsNotOne(t *testing.T) {
	dataDir, _ := newVault(t)
	code, out, errOut := runCLI("credentials", "--data-dir", dataDir, "--region", "us-east-1;touch /tmp/x")
	if code != 2 || out != "" || !strings.Contains(errOut, "is not a region name") {
		t.Errorf("credentials with a hostile --region: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// `engine serve --region` names the region clients are told to use: one the engine would refuse
// stops it before it creates anything.
func TestServeRefusesARegionItWouldNotServe(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	code, _, errOut := runCLI("serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--region", "zz-fake-9")
	if code != 2 || !strings.Contains(errOut, `declare it in the engine config ("regions": {"zz-fake-9": {}})`) {
		t.Errorf("serve --region zz-fake-9: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("the refused serve created its data dir: %v", err)
	}
}
