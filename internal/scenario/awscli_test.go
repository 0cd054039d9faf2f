package scenario

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Running the AWS CLI. The scenarios make hundreds of AWS CLI calls, and most of each call's
// CPU is Python importing botocore and awscli (about 0.7 s of the 1 s a call costs). On a
// two-core machine that import, not the engine, set the package's run time. So a call is
// served by a fork server: a Python process that has imported the CLI's modules once, and
// forks a child per call. The child takes the call's environment, argv, stdin (/dev/null),
// stdout and stderr, runs the CLI's own entry point (awscli.clidriver.main, which the `aws`
// script calls) and exits with its exit code, as `aws` would. Every call still runs the CLI's
// argument parsing, request signing, retries, error handling and output formatting, in a
// process of its own.
//
// The fork server is used only when the awscli that python3 imports is the one `aws` runs
// (their --version lines agree) and the call's environment sets nothing Python reads at start
// (PYTHON*, locale); otherwise, or with BACKUP_SCENARIO_AWS_EXEC=1, each call runs `aws`.

// awsForkServerScript is the fork server. Requests arrive as JSON lines on fd 3; for each,
// it answers {"pid": N} once the child runs and {"status": CODE} when it has exited (a
// negative code is the signal that killed it), on fd 4.
const awsForkServerScript = `
import importlib, json, os, platform, sys, traceback

before = dict(os.environ)
import awscli, awscli.clidriver, botocore
# What importing the CLI put in the environment (its data path): a fresh aws process whose
# environment lacks these keys gets the same values from the same import.
import_env = {k: v for k, v in os.environ.items() if before.get(k) != v}
version = "aws-cli/%s Python/%s %s/%s botocore/%s" % (awscli.__version__, platform.python_version(), platform.system(), platform.release(), botocore.__version__)

requests = os.fdopen(3, "r")
answers = os.fdopen(4, "w")

def answer(**kv):
    answers.write(json.dumps(kv) + "\n")
    answers.flush()

def child(req):
    requests.close()
    answers.close()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    os.dup2(os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    env = dict(kv.split("=", 1) for kv in req["env"])
    for k, v in import_env.items():
        env.setdefault(k, v)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(req["dir"])
    # What the aws script does before it imports the CLI.
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    sys.argv = ["aws"] + req["args"]
    code = 0
    try:
        code = awscli.clidriver.main()
    except SystemExit as e:
        code = e.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)

def run(req):
    pid = os.fork()
    if pid == 0:
        child(req)
    answer(pid=pid)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)

# The CLI imports most of its modules lazily, per call: import those one call needs here, once,
# so that each child has them. A call to a closed port fails fast and needs the same modules.
warm = os.path.join(sys.argv[1], "warm")
modules = warm + ".modules"
pid = os.fork()
if pid == 0:
    try:
        sys.stdout = sys.stderr = open(os.devnull, "w")
        os.environ.update({"AWS_ACCESS_KEY_ID": "AKIDWARM", "AWS_SECRET_ACCESS_KEY": "warm", "AWS_MAX_ATTEMPTS": "1",
                           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        sys.argv = ["aws", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1", "backup", "list-backup-vaults"]
        try:
            awscli.clidriver.main()
        except BaseException:
            pass
        with open(modules, "w") as f:
            json.dump(sorted(sys.modules), f)
    finally:
        os._exit(0)
os.waitpid(pid, 0)
try:
    with open(modules) as f:
        for name in json.load(f):
            if name not in sys.modules and not name.startswith("__"):
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
except OSError:
    pass
answer(ready=version)
for line in requests:
    answer(status=run(json.loads(line)))
`

// awsForkServer is one fork server; it serves one call at a time.
type awsForkServer struct {
	cmd      *exec.Cmd
	requests *os.File
	answers  *bufio.Reader
	closeFn  func()
}

// awsCLIRunner hands calls to idle fork servers, starting one when all are busy.
type awsCLIRunner struct {
	once     sync.Once
	disabled string // why calls exec `aws` instead, if they do
	dir      string // scratch for the servers' warm-up and the calls' output
	version  string // `aws --version`

	mu   sync.Mutex
	idle []*awsForkServer
	all  []*awsForkServer

	seq                   atomic.Int64
	calls, forked, execed atomic.Int64
}

var awsCLI awsCLIRunner

// environment variables Python reads when it starts: the fork server started without them,
// so a call that sets one runs `aws` itself.
func startsPythonDifferently(env []string) bool {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "PYTHONWARNINGS" && v == "ignore":
		case strings.HasPrefix(k, "PYTHON"), k == "LANG", strings.HasPrefix(k, "LC_"), k == "AWS_DATA_PATH":
			return true
		}
	}
	return false
}

func (r *awsCLIRunner) init() {
	if os.Getenv("BACKUP_SCENARIO_AWS_EXEC") == "1" {
		r.disabled = "BACKUP_SCENARIO_AWS_EXEC=1"
		return
	}
	out, err := exec.Command("aws", "--version").CombinedOutput()
	if err != nil {
		r.disabled = fmt.Sprintf("aws --version: %v", err)
		return
	}
	r.version = strings.TrimSpace(string(out))
	if r.dir, err = os.MkdirTemp("", "scenario-aws"); err != nil {
		r.disabled = err.Error()
		return
	}
	s, err := r.startServer()
	if err != nil {
		r.disabled = err.Error()
		return
	}
	r.idle = append(r.idle, s)
}

// startServer starts a fork server and waits until it has imported the CLI.
func (r *awsCLIRunner) startServer() (*awsForkServer, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", "-c", awsForkServerScript, r.dir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + r.dir, "PYTHONWARNINGS=ignore"}
	cmd.ExtraFiles = []*os.File{reqR, ansW}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the AWS CLI fork server: %w", err)
	}
	reqR.Close()
	ansW.Close()
	s := &awsForkServer{cmd: cmd, requests: reqW, answers: bufio.NewReader(ansR)}
	s.closeFn = func() {
		reqW.Close() // the server's loop ends at EOF
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		ansR.Close()
	}
	var ready struct{ Ready string }
	line, err := s.answers.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &ready)
	}
	if err != nil {
		s.closeFn()
		return nil, fmt.Errorf("the AWS CLI fork server did not start (%v):\n%s", err, logs.String())
	}
	if ready.Ready != r.version {
		s.closeFn()
		return nil, fmt.Errorf("python3 imports %q, but aws is %q", ready.Ready, r.version)
	}
	r.mu.Lock()
	r.all = append(r.all, s)
	r.mu.Unlock()
	return s, nil
}

// close stops every fork server (at the end of TestMain).
func (r *awsCLIRunner) close() {
	r.mu.Lock()
	all := r.all
	r.all, r.idle = nil, nil
	r.mu.Unlock()
	for _, s := range all {
		s.closeFn()
	}
	if r.dir != "" {
		os.RemoveAll(r.dir)
	}
}

// summary says how the package's AWS CLI calls ran.
func (r *awsCLIRunner) summary() string {
	if r.calls.Load() == 0 {
		return "AWS CLI: no calls"
	}
	if r.disabled != "" {
		return fmt.Sprintf("AWS CLI: %d calls, each running aws (%s)", r.calls.Load(), r.disabled)
	}
	return fmt.Sprintf("AWS CLI: %d calls, %d forked from %d servers (%s), %d running aws", r.calls.Load(), r.forked.Load(), len(r.all), r.version, r.execed.Load())
}

// runAWSCLI runs `aws ARGS` with exactly env, killed when ctx ends. A non-zero exit is in the
// result; the error is for a call that could not run or was killed.
func runAWSCLI(ctx context.Context, env []string, args ...string) (cliResult, error) {
	r := &awsCLI
	r.calls.Add(1)
	r.once.Do(r.init)
	if r.disabled == "" && !startsPythonDifferently(env) {
		if s := r.server(); s != nil {
			res, err, served := r.fork(ctx, s, env, args)
			if served {
				r.forked.Add(1)
				return res, err
			}
		}
	}
	r.execed.Add(1)
	return runAWSExecutable(ctx, env, args...)
}

// runAWSExecutable runs `aws ARGS` as a process of its own.
func runAWSExecutable(ctx context.Context, env []string, args ...string) (cliResult, error) {
	cmd := exec.CommandContext(ctx, "aws", args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		return cliResult{Stdout: out.String(), Stderr: errb.String(), Code: ee.ExitCode()}, nil
	}
	return cliResult{Stdout: out.String(), Stderr: errb.String()}, err
}

// server takes an idle fork server, or starts one; nil if none can start.
func (r *awsCLIRunner) server() *awsForkServer {
	r.mu.Lock()
	if n := len(r.idle); n > 0 {
		s := r.idle[n-1]
		r.idle = r.idle[:n-1]
		r.mu.Unlock()
		return s
	}
	r.mu.Unlock()
	s, err := r.startServer()
	if err != nil {
		return nil
	}
	return s
}

func (r *awsCLIRunner) release(s *awsForkServer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idle = append(r.idle, s)
}

// discard drops a fork server that no longer answers.
func (r *awsCLIRunner) discard(s *awsForkServer) {
	r.mu.Lock()
	for i, o := range r.all {
		if o == s {
			r.all = append(r.all[:i], r.all[i+1:]...)
			break
		}
	}
	r.mu.Unlock()
	s.closeFn()
}

// fork runs one call on s. served is false when the server failed before the call started,
// so the caller can run `aws` instead.
func (r *awsCLIRunner) fork(ctx context.Context, s *awsForkServer, env, args []string) (res cliResult, err error, served bool) {
	n := r.seq.Add(1)
	stdout, stderr := filepath.Join(r.dir, fmt.Sprintf("%d.out", n)), filepath.Join(r.dir, fmt.Sprintf("%d.err", n))
	defer os.Remove(stdout)
	defer os.Remove(stderr)
	wd, _ := os.Getwd()
	req, _ := json.Marshal(map[string]any{"args": args, "env": env, "stdout": stdout, "stderr": stderr, "dir": wd})
	if _, err := s.requests.Write(append(req, '\n')); err != nil {
		r.discard(s)
		return res, nil, false
	}
	var started struct{ Pid int }
	line, err := s.answers.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &started)
	}
	if err != nil || started.Pid == 0 {
		r.discard(s)
		return res, nil, false
	}
	type exit struct {
		code int
		err  error
	}
	exited := make(chan exit, 1)
	go func() {
		var st struct{ Status *int }
		line, err := s.answers.ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &st)
		}
		if err == nil && st.Status == nil {
			err = fmt.Errorf("fork server answered %q", line)
		}
		if err != nil {
			exited <- exit{err: err}
			return
		}
		exited <- exit{code: *st.Status}
	}()
	var e exit
	select {
	case e = <-exited:
	case <-ctx.Done():
		_ = syscall.Kill(started.Pid, syscall.SIGKILL)
		e = <-exited
		if e.err == nil {
			e.err = fmt.Errorf("aws killed: %w", ctx.Err())
		}
	}
	if e.err != nil && ctx.Err() == nil {
		r.discard(s)
	} else {
		r.release(s)
	}
	o, _ := os.ReadFile(stdout)
	eb, _ := os.ReadFile(stderr)
	res = cliResult{Stdout: string(o), Stderr: string(eb), Code: e.code}
	if e.err == nil && e.code < 0 {
		e.err = fmt.Errorf("aws: %v", syscall.Signal(-e.code))
	}
	return res, e.err, true
}

// The fork server stands in for the aws executable faithfully: the same calls, a success, an
// error from the engine and a usage error of the CLI's own, print the same and exit the same
// either way.
func TestAWSCLIForkServerAnswersAsTheAWSExecutableDoes(t *testing.T) {
	parallel(t)
	d := startDaemon(t)
	d.mustAWS(t, "us-east-1", "backup", "create-backup-vault", "--backup-vault-name", "same-either-way")
	env := d.clientEnv(t, "us-east-1")
	before := awsCLI.forked.Load()
	for _, args := range [][]string{
		{"backup", "describe-backup-vault", "--backup-vault-name", "same-either-way"},
		{"backup", "describe-backup-vault", "--backup-vault-name", "missing"},
		{"backup", "describe-backup-vault"},
	} {
		full := append([]string{"--endpoint-url", d.Endpoint, "--region", "us-east-1", "--output", "json"}, args...)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		forked, err := runAWSCLI(ctx, env, full...)
		if err != nil {
			t.Fatalf("aws %v through the fork server: %v", args, err)
		}
		executed, err := runAWSExecutable(ctx, env, full...)
		cancel()
		if err != nil {
			t.Fatalf("aws %v: %v", args, err)
		}
		if forked != executed {
			t.Errorf("aws %v:\nforked:   exit %d\n%s%s\nexecuted: exit %d\n%s%s", args, forked.Code, forked.Stdout, forked.Stderr, executed.Code, executed.Stdout, executed.Stderr)
		}
		if args[len(args)-1] != "same-either-way" && forked.Code == 0 {
			t.Errorf("aws %v succeeded; it should fail (the comparison covers errors too)", args)
		}
	}
	if awsCLI.disabled == "" && awsCLI.forked.Load() == before {
		t.Errorf("no call went through the fork server")
	}
	if awsCLI.disabled != "" {
		t.Logf("the fork server is off (%s): both ways ran aws", awsCLI.disabled)
	}
}
