package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The profiler needs no signature and shows the process's memory, so `engine serve` serves it
// only on a loopback address, and refuses any other before it creates anything.
func TestServeRefusesPprofOffTheLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", "192.0.2.1:6060", "localhost", ":6060"} {
		dataDir := filepath.Join(t.TempDir(), "data")
		code, _, errOut := runCLI("serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--pprof-listen", addr)
		if code != 2 || !strings.Contains(errOut, "--pprof-listen") || !strings.Contains(errOut, "loopback") {
			t.Errorf("serve --pprof-listen %s: exit %d, stderr %q; want a usage error naming the flag", addr, code, errOut)
		}
		if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
			t.Errorf("the refused serve created its data dir: %v", err)
		}
	}
}
