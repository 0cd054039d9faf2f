package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Running Terraform and OpenTofu against this build's provider: a working directory with a CLI
// configuration that points both tools at the binary TestMain built (dev_overrides for plan and
// apply, a filesystem mirror for init), so nothing is downloaded.

// tfTool is a Terraform-compatible CLI.
type tfTool struct {
	name string // "terraform" or "tofu"
	path string
}

// terraformCLI is terraform from PATH; the test is skipped without it, as the acceptance
// tests are.
func terraformCLI(t *testing.T) tfTool {
	t.Helper()
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH")
	}
	return tfTool{name: "terraform", path: p}
}

// tofuCLI is OpenTofu's tofu, which scripts/install-test-deps.sh builds into .tools/bin ($TOFU
// names another one).
func tofuCLI(t *testing.T) tfTool {
	t.Helper()
	p := os.Getenv("TOFU")
	if p == "" {
		p = filepath.Join("..", "..", ".tools", "bin", "tofu")
	}
	abs, err := filepath.Abs(p)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		t.Fatalf("OpenTofu is not installed (%v): run scripts/install-test-deps.sh, which builds tofu into .tools/bin, or set $TOFU to its path", err)
	}
	return tfTool{name: "tofu", path: abs}
}

// cliWorkspace is a module directory and the environment to run a tool in it.
type cliWorkspace struct {
	t      *testing.T
	tool   tfTool
	Dir    string // the module
	Engine string // the embedded engine's data dir ($BACKUP_ENGINE_DATA_DIR)
	env    []string
}

// newCLIWorkspace copies the module at src (relative to this package) into a temporary
// directory. overrides adds dev_overrides: provider source address to the directory of its
// binary.
func newCLIWorkspace(t *testing.T, tool tfTool, src string, overrides map[string]string) *cliWorkspace {
	t.Helper()
	work := t.TempDir()
	// Terraform installs from registry.terraform.io, OpenTofu from registry.opentofu.org.
	var includes []string
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		dir := filepath.Join(work, "mirror", host, "strongroom", "backup", "0.0.1", runtime.GOOS+"_"+runtime.GOARCH)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		placeBinary(t, filepath.Join(dir, "terraform-provider-backup_v0.0.1"))
		includes = append(includes, fmt.Sprintf("%q", host+"/strongroom/backup"))
	}
	var dev strings.Builder
	fmt.Fprintf(&dev, "    %q = %q\n", "strongroom/backup", filepath.Dir(binary))
	for source, dir := range overrides {
		fmt.Fprintf(&dev, "    %q = %q\n", source, dir)
	}
	rc := filepath.Join(work, "cli.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n%s  }\n  filesystem_mirror {\n    path    = %q\n    include = [%s]\n  }\n}\n",
		dev.String(), filepath.Join(work, "mirror"), strings.Join(includes, ", "))
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(work, "module")
	if src != "" {
		if out, err := exec.Command("cp", "-r", src, module).CombinedOutput(); err != nil {
			t.Fatalf("copy %s: %v\n%s", src, err, out)
		}
	} else if err := os.MkdirAll(module, 0o755); err != nil {
		t.Fatal(err)
	}
	engine := filepath.Join(work, "engine")
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "BACKUP_ENGINE_DATA_DIR="+engine, "CHECKPOINT_DISABLE=1")
	return &cliWorkspace{t: t, tool: tool, Dir: module, Engine: engine, env: env}
}

// placeBinary puts the provider binary TestMain built at path: a hard link, as the binary is
// large and tests that run at once would otherwise each write copies of it, or a copy where
// the two are on different file systems.
func placeBinary(t *testing.T, path string) {
	t.Helper()
	if err := os.Link(binary, path); err == nil {
		return
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// Run runs the tool in the module and returns what it printed and its exit code.
func (w *cliWorkspace) Run(args ...string) (string, int) {
	w.t.Helper()
	cmd := exec.Command(w.tool.path, append([]string{"-chdir=" + w.Dir}, args...)...)
	cmd.Env = w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	}
	w.t.Fatalf("%s %s: %v", w.tool.name, strings.Join(args, " "), err)
	return "", -1
}

// MustRun runs the tool and fails the test unless it succeeds.
func (w *cliWorkspace) MustRun(args ...string) string {
	w.t.Helper()
	out, code := w.Run(args...)
	if code != 0 {
		w.t.Fatalf("%s %s exited %d:\n%s", w.tool.name, strings.Join(args, " "), code, out)
	}
	return out
}

// PlanHasNoChanges fails the test unless a plan with args shows no changes.
func (w *cliWorkspace) PlanHasNoChanges(args ...string) {
	w.t.Helper()
	out, code := w.Run(append([]string{"plan", "-no-color", "-input=false", "-detailed-exitcode"}, args...)...)
	if code != 0 {
		w.t.Fatalf("%s plan exited %d (0 is no changes, 2 is changes):\n%s", w.tool.name, code, out)
	}
}
