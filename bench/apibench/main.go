// Command apibench drives an AWS Backup API endpoint with the Go SDK (aws-sdk-go-v2), as a client
// of `engine serve` or of moto_server, for bench/api.sh. It prints one line per measure:
//
//	OPERATION MODE CALLS REQ/S P50_US P99_US SERVER_CPU_US_PER_CALL
//
// MODE is "seq" (one client, one call at a time) or "par8" (eight clients at once). The script
// runs it against both servers in the same run and prints the ratios. The server's CPU time per
// call (user + system, read from /proc for -server-pid; 0 without it) is the figure that holds
// on a loaded machine, where wall-clock rates mostly measure the other processes.
//
//	apibench -endpoint URL describe          DescribeBackupVault on one vault
//	apibench -listen ADDR canned             serve every request from one constant answer, with
//	                                          nothing but net/http: the ceiling any net/http
//	                                          server reaches with this client on this machine
//	apibench -endpoint URL -dir DIR jobs     StartBackupJob of DIR (registered as an EFS resource)
//	                                          until the vault holds -points recovery points, then
//	                                          DescribeBackupJob of those jobs, then page walks of
//	                                          ListRecoveryPointsByBackupVault (pages of 100)
//
// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Any failed call stops the
// bench: a figure over failed calls would flatter the server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

const (
	vaultName = "bench-api-vault"
	role      = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
	parallel  = 8
)

type bench struct {
	endpoint, region string
	creds            aws.CredentialsProvider
	calls            int
	serverPID        int
}

func main() {
	var b bench
	flag.StringVar(&b.endpoint, "endpoint", "", "the API's base URL, e.g. http://127.0.0.1:9191")
	listen := flag.String("listen", "", "canned: the address to serve on")
	flag.StringVar(&b.region, "region", "us-east-1", "region to sign for")
	flag.IntVar(&b.serverPID, "server-pid", 0, "the server's process ID, to report its CPU time per call")
	flag.IntVar(&b.calls, "calls", 2000, "calls per measure of DescribeBackupVault and DescribeBackupJob")
	dir := flag.String("dir", "", "jobs: the tiny directory to back up")
	points := flag.Int("points", 1000, "jobs: recovery points to create, then to page through")
	walks := flag.Int("walks", 20, "jobs: page walks of all the points, per mode")
	flag.Parse()
	if flag.NArg() == 1 && flag.Arg(0) == "canned" && *listen != "" {
		if err := serveCanned(*listen); err != nil {
			fmt.Fprintln(os.Stderr, "apibench:", err)
			os.Exit(1)
		}
		return
	}
	if b.endpoint == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: apibench -endpoint URL [flags] describe|jobs, or apibench -listen ADDR canned")
		os.Exit(2)
	}
	b.creds = awscreds.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")
	ctx := context.Background()
	var err error
	switch flag.Arg(0) {
	case "describe":
		err = b.describe(ctx)
	case "jobs":
		if *dir == "" {
			err = errors.New("jobs needs -dir: a small directory to back up")
		} else {
			err = b.jobs(ctx, *dir, *points, *walks)
		}
	default:
		err = fmt.Errorf("unknown measure %q: want describe or jobs", flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}

// client is one SDK client with its own connection pool, as one process of a user would have.
func (b *bench) client() *backup.Client {
	return backup.NewFromConfig(aws.Config{Region: b.region, Credentials: b.creds, HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}},
		func(o *backup.Options) { o.BaseEndpoint = aws.String(b.endpoint) })
}

func (b *bench) ensureVault(ctx context.Context, c *backup.Client) error {
	_, err := c.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(vaultName)})
	var exists *types.AlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create the bench vault: %w", err)
	}
	return nil
}

func (b *bench) describe(ctx context.Context) error {
	c := b.client()
	if err := b.ensureVault(ctx, c); err != nil {
		return err
	}
	call := func(ctx context.Context, c *backup.Client, _ int) error {
		_, err := c.DescribeBackupVault(ctx, &backup.DescribeBackupVaultInput{BackupVaultName: aws.String(vaultName)})
		return err
	}
	return b.both(ctx, "DescribeBackupVault", b.calls, call)
}

// both runs calls of fn sequentially on one client, then spread over eight clients, after a
// warm-up, and prints a line for each.
func (b *bench) both(ctx context.Context, op string, calls int, fn func(context.Context, *backup.Client, int) error) error {
	if _, err := measure(ctx, b, 1, min(calls, 100), fn); err != nil {
		return fmt.Errorf("%s warm-up: %w", op, err)
	}
	for _, p := range []int{1, parallel} {
		r, err := measure(ctx, b, p, calls, fn)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		r.print(op)
	}
	return nil
}

type result struct {
	mode      string
	latencies []time.Duration
	elapsed   time.Duration
	serverCPU time.Duration
}

func (r result) print(op string) {
	slices.Sort(r.latencies)
	q := func(p float64) int64 { return r.latencies[int(p*float64(len(r.latencies)-1))].Microseconds() }
	n := len(r.latencies)
	fmt.Printf("%s %s %d %.0f %d %d %.0f\n", op, r.mode, n, float64(n)/r.elapsed.Seconds(), q(0.50), q(0.99), float64(r.serverCPU.Microseconds())/float64(n))
}

// cpuOf is the user and system CPU time process pid has used; 0 if pid is 0 or unreadable.
func cpuOf(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command (field 2) is in parentheses and may hold spaces: count fields after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64) // field 14 of the whole line
	stime, _ := strconv.ParseInt(fields[12], 10, 64) // field 15
	const ticksPerSecond = 100                       // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond
}

// measure makes calls calls of fn over p clients at once, call i going to client i%p.
func measure(ctx context.Context, b *bench, p, calls int, fn func(context.Context, *backup.Client, int) error) (result, error) {
	mode := "seq"
	if p > 1 {
		mode = fmt.Sprintf("par%d", p)
	}
	lat := make([]time.Duration, calls)
	errs := make([]error, p)
	var wg sync.WaitGroup
	cpu0 := cpuOf(b.serverPID)
	start := clock.Wall()
	for w := range p {
		c := b.client()
		wg.Go(func() {
			for i := w; i < calls; i += p {
				t0 := clock.Wall()
				if err := fn(ctx, c, i); err != nil {
					errs[w] = fmt.Errorf("call %d: %w", i, err)
					return
				}
				lat[i] = clock.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := clock.Since(start)
	serverCPU := cpuOf(b.serverPID) - cpu0
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	return result{mode: mode, latencies: lat, elapsed: elapsed, serverCPU: serverCPU}, nil
}

// jobs backs dir up until the vault holds points recovery points, measuring StartBackupJob; then
// measures DescribeBackupJob over the jobs, and page walks of the points.
func (b *bench) jobs(ctx context.Context, dir string, points, walks int) error {
	c := b.client()
	if err := b.ensureVault(ctx, c); err != nil {
		return err
	}
	reg := engineclient.New(engineclient.Options{Endpoint: b.endpoint, Region: b.region, Credentials: b.creds})
	arn, err := b.resourceOf(ctx, reg, dir)
	if err != nil {
		return err
	}
	have, err := countPoints(ctx, c)
	if err != nil {
		return err
	}
	var (
		mu  sync.Mutex
		ids []string
	)
	start := func(ctx context.Context, c *backup.Client, _ int) error {
		out, err := c.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String(vaultName), ResourceArn: aws.String(arn), IamRoleArn: aws.String(role)})
		if err != nil {
			return err
		}
		mu.Lock()
		ids = append(ids, aws.ToString(out.BackupJobId))
		mu.Unlock()
		return nil
	}
	if need := points - have; need > 0 {
		// Half sequential, half eight at a time: together they make the points to page through.
		for i, p := range []int{1, parallel} {
			n := need / 2
			if i == 1 {
				n = need - need/2
			}
			if n == 0 {
				continue
			}
			r, err := measure(ctx, b, p, n, start)
			if err != nil {
				return fmt.Errorf("StartBackupJob: %w", err)
			}
			r.print("StartBackupJob")
		}
	}
	if err := waitJobs(ctx, c, ids); err != nil {
		return err
	}
	if len(ids) > 0 {
		describe := func(ctx context.Context, c *backup.Client, i int) error {
			_, err := c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: aws.String(ids[i%len(ids)])})
			return err
		}
		if err := b.both(ctx, "DescribeBackupJob", b.calls, describe); err != nil {
			return err
		}
	}
	total, err := countPoints(ctx, c)
	if err != nil {
		return err
	}
	pages := (total + 99) / 100
	// Call i fetches page i%pages of a walk: one walk is pages calls in order, each with the
	// token the previous page returned, so every client walks from the first page on its own.
	walk := func() func(context.Context, *backup.Client, int) error {
		var tokMu sync.Mutex
		tokens := map[*backup.Client]*string{}
		return func(ctx context.Context, c *backup.Client, i int) error {
			tokMu.Lock()
			tok := tokens[c]
			tokMu.Unlock()
			out, err := c.ListRecoveryPointsByBackupVault(ctx, &backup.ListRecoveryPointsByBackupVaultInput{
				BackupVaultName: aws.String(vaultName), MaxResults: aws.Int32(100), NextToken: tok})
			if err != nil {
				return err
			}
			if len(out.RecoveryPoints) == 0 {
				return errors.New("an empty page of recovery points")
			}
			tokMu.Lock()
			tokens[c] = out.NextToken
			tokMu.Unlock()
			return nil
		}
	}
	fmt.Fprintf(os.Stderr, "apibench: %d recovery points, %d pages of 100 per walk\n", total, pages)
	for _, p := range []int{1, parallel} {
		// Each client makes whole walks: calls*p pages in all, p clients.
		r, err := measure(ctx, b, p, walks*pages*p, walk())
		if err != nil {
			return fmt.Errorf("ListRecoveryPointsByBackupVault: %w", err)
		}
		r.print("ListRecoveryPointsByBackupVault/page")
	}
	return nil
}

// resourceOf registers dir as an EFS resource, or finds it registered by an earlier run.
func (b *bench) resourceOf(ctx context.Context, reg *engineclient.Client, dir string) (string, error) {
	r, err := reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: dir})
	if err == nil {
		return r.ResourceArn, nil
	}
	all, lerr := reg.ListResources(ctx, "EFS")
	if lerr != nil {
		return "", fmt.Errorf("register %s: %w", dir, err)
	}
	for _, r := range all {
		if r.Locator == dir {
			return r.ResourceArn, nil
		}
	}
	return "", fmt.Errorf("register %s: %w", dir, err)
}

func countPoints(ctx context.Context, c *backup.Client) (int, error) {
	n := 0
	p := backup.NewListRecoveryPointsByBackupVaultPaginator(c, &backup.ListRecoveryPointsByBackupVaultInput{BackupVaultName: aws.String(vaultName)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count recovery points: %w", err)
		}
		n += len(out.RecoveryPoints)
	}
	return n, nil
}

// waitJobs waits for every job to end, and fails if one did not complete.
func waitJobs(ctx context.Context, c *backup.Client, ids []string) error {
	for _, id := range ids {
		for {
			out, err := c.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: aws.String(id)})
			if err != nil {
				return fmt.Errorf("wait for backup job %s: %w", id, err)
			}
			if out.State == types.BackupJobStateCompleted {
				break
			}
			switch out.State {
			case types.BackupJobStateFailed, types.BackupJobStateAborted, types.BackupJobStateExpired:
				return fmt.Errorf("backup job %s ended %s: %s", id, out.State, aws.ToString(out.StatusMessage))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// cannedVault is a DescribeBackupVault answer as the engine gives it for the bench vault.
var cannedVault = []byte(`{"BackupVaultArn":"arn:aws:backup:us-east-1:123456789012:backup-vault:bench-api-vault",` +
	`"BackupVaultName":"bench-api-vault","CreationDate":1.7648064E9,"CreatorRequestId":"",` +
	`"EncryptionKeyArn":"arn:aws:kms:us-east-1:123456789012:key/engine-managed","EncryptionKeyType":"AWS_OWNED_KMS_KEY",` +
	`"Locked":false,"NumberOfRecoveryPoints":0,"VaultState":"AVAILABLE","VaultType":"BACKUP_VAULT"}`)

// serveCanned answers every request with cannedVault, checking nothing: no signature, no route,
// no store, no audit. The SDK client reads it as the answer to DescribeBackupVault (and to the
// CreateBackupVault of the warm-up, whose output members it holds). What this server reaches with
// one client is the most any server built on net/http can reach with it, so bench/api.sh prints
// the engine's share of it: past that point, a faster engine no longer shows in the rate.
func serveCanned(addr string) error {
	return http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(cannedVault)))
		_, _ = w.Write(cannedVault)
	}))
}
