// Package scenario runs external clients — the AWS CLI (botocore) and boto3 — against the real
// `terraform-provider-backup engine serve` process on loopback, and asserts what they print.
package scenario

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the provider binary built once for the package's tests.
var binary string

// scenarioParallelism is how many scenario tests run at once unless -parallel says otherwise.
// Go's default is GOMAXPROCS, but these tests spend much of their time waiting on child
// processes (the AWS CLI, terraform, a daemon's scheduler, a server's retention), so more of
// them than there are cores keeps the cores busy.
const scenarioParallelism = 6

func TestMain(m *testing.M) {
	flag.Parse()
	// The package's tests take slots from testSlots (slots_test.go), which picks the slowest
	// waiting test first; Go's own limit would pick among them itself, so it is lifted.
	slots.free = scenarioParallelism
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" {
			if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
				slots.free = n
			}
		}
	})
	if err := flag.Set("test.parallel", "1000"); err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "scenario-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "terraform-provider-backup")
	build := exec.Command("go", "build", "-o", binary, "../..")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build provider binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	if testing.Verbose() {
		fmt.Println(awsCLI.summary())
	}
	awsCLI.close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// jobWait is how long a test waits for a job, a report or a state change before it gives up.
// It only keeps a hung test from hanging the package: tests share two cores with each other
// (and with other packages), so a job that takes seconds alone may take a minute.
const jobWait = 3 * time.Minute

// daemon is an `engine serve` process.
type daemon struct {
	t        *testing.T
	cmd      *exec.Cmd
	Endpoint string
	// MetricsEndpoint is where --metrics-listen serves /metrics, if the daemon was given it.
	MetricsEndpoint string
	DataDir         string
	mu              sync.Mutex
	logs            bytes.Buffer
	exited          chan struct{}
	exitErr         error

	// clientEnvs caches clientEnv by region: the data dir's key does not change while the
	// daemon runs, and asking `engine credentials` before every CLI call doubles the processes
	// a test starts.
	clientEnvMu sync.Mutex
	clientEnvs  map[string][]string
}

// startDaemon runs `engine serve` on a free loopback port with extra flags; the data dir is a
// fresh temporary one unless --data-dir is among the flags, and the temp dir (where tests keep
// the directories they register and restore into) is allowed unless --allow-path is.
func startDaemon(t *testing.T, flags ...string) *daemon {
	t.Helper()
	return startDaemonWith(t, nil, flags...)
}

// startDaemonWith is startDaemon with a hook that adjusts the command before it starts (to run
// it as another user, say).
func startDaemonWith(t *testing.T, adjust func(*exec.Cmd), flags ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, exited: make(chan struct{})}
	args := []string{"engine", "serve", "--listen", "127.0.0.1:0"}
	hasDataDir, hasAllowPath := false, false
	for i, f := range flags {
		if f == "--data-dir" && i+1 < len(flags) {
			hasDataDir, d.DataDir = true, flags[i+1]
		}
		hasAllowPath = hasAllowPath || f == "--allow-path"
	}
	if !hasDataDir {
		d.DataDir = t.TempDir()
		args = append(args, "--data-dir", d.DataDir)
	}
	if !hasAllowPath {
		args = append(args, "--allow-path", os.TempDir())
	}
	args = append(args, flags...)
	d.cmd = exec.Command(binary, args...)
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stderr = &lockedWriter{mu: &d.mu, w: &d.logs}
	if adjust != nil {
		adjust(d.cmd)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			// engine serve prints where its metrics are before it says it listens.
			if ep, ok := strings.CutPrefix(line, "metrics on "); ok {
				d.MetricsEndpoint = ep
			}
			if ep, ok := strings.CutPrefix(line, "engine listening on "); ok {
				ready <- ep
			}
		}
	}()
	go func() { d.exitErr = d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() { d.Stop() })
	select {
	case d.Endpoint = <-ready:
	case <-d.exited:
		t.Fatalf("engine serve exited before listening: %v\n%s", d.exitErr, d.Logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("engine serve did not start listening\n%s", d.Logs())
	}
	return d
}

// Stop sends SIGTERM and waits for the process to exit; it returns the exit error.
func (d *daemon) Stop() error {
	select {
	case <-d.exited:
		return d.exitErr
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
		d.t.Errorf("engine serve did not stop within 20s of SIGTERM")
	}
	return d.exitErr
}

// Logs returns what the daemon wrote to stderr.
func (d *daemon) Logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// engineCmd runs `terraform-provider-backup engine ARGS` and returns stdout, stderr and the exit code.
func engineCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return engineCmdWithEnv(t, nil, args...)
}

// engineCmdWithEnv is engineCmd with variables added to the test's environment (tests run in
// parallel, so none of them may set its own variables with t.Setenv).
func engineCmdWithEnv(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(binary, append([]string{"engine"}, args...)...)
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// clientEnv is the environment for the AWS CLI and boto3: the daemon's credentials from
// `engine credentials`, and nothing from the user's own AWS configuration. The caller may
// append to what it returns.
func (d *daemon) clientEnv(t *testing.T, region string) []string {
	t.Helper()
	d.clientEnvMu.Lock()
	defer d.clientEnvMu.Unlock()
	if env, ok := d.clientEnvs[region]; ok {
		return slices.Clone(env)
	}
	out, stderr, code := engineCmd(t, "credentials", "--data-dir", d.DataDir, "--region", region)
	if code != 0 {
		t.Fatalf("engine credentials: exit %d: %s", code, stderr)
	}
	// HOME outlives the calling test only as long as the daemon's own test: a subtest's temp
	// dir would be gone when a later caller reused this environment.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + d.t.TempDir(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "PYTHONWARNINGS=ignore"}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		if !ok {
			t.Fatalf("engine credentials printed %q, not an export line", line)
		}
		env = append(env, kv)
	}
	if d.clientEnvs == nil {
		d.clientEnvs = map[string][]string{}
	}
	d.clientEnvs[region] = env
	return slices.Clone(env)
}

// cliResult is what one AWS CLI call did.
type cliResult struct {
	Stdout, Stderr string
	Code           int
}

// JSON decodes the CLI's JSON output.
func (r cliResult) JSON(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if strings.TrimSpace(r.Stdout) == "" {
		return map[string]any{}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil {
		t.Fatalf("AWS CLI output is not JSON: %v\n%s", err, r.Stdout)
	}
	return v
}

// aws runs the AWS CLI against the daemon in region.
func (d *daemon) aws(t *testing.T, region string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--endpoint-url", d.Endpoint, "--region", region, "--output", "json"}, args...)
	r, err := runAWSCLI(ctx, d.clientEnv(t, region), full...)
	if err != nil {
		t.Fatalf("aws %v: %v", args, err)
	}
	return r
}

// mustAWS runs the AWS CLI and fails the test unless it succeeds.
func (d *daemon) mustAWS(t *testing.T, region string, args ...string) map[string]any {
	t.Helper()
	r := d.aws(t, region, args...)
	if r.Code != 0 {
		t.Fatalf("aws %s: exit %d\n%s\ndaemon log:\n%s", strings.Join(args, " "), r.Code, r.Stderr, d.Logs())
	}
	return r.JSON(t)
}

// python runs a Python (boto3) script against the daemon; the script gets ENDPOINT in its
// environment and prints what the test asserts.
func (d *daemon) python(t *testing.T, region, script string) cliResult {
	t.Helper()
	cmd := exec.Command("python3", "-c", script)
	cmd.Env = append(d.clientEnv(t, region), "ENDPOINT="+d.Endpoint)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}
