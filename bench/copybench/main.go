// Command copybench drives a copy job through the engine exactly as a client would, for
// bench/copy.sh: it opens an engine on a data dir whose config keeps eu-west-1's vaults in their
// own storage directory, backs a tree up into a us-east-1 vault, and then times a copy job of that
// recovery point into a vault of eu-west-1 (cross-region: the destination's repository is on
// another storage directory, with another data key).
//
//	copybench prepare DATADIR SRC   back SRC up into vault prod; prints the repository directory of prod
//	copybench copy DATADIR          copy the point into eu-west-1's dr-vault; prints seconds and bytes
//
// The copy's time is measured from StartCopyJob to the moment DescribeCopyJob first says COMPLETED
// (polled every 2 ms), so opening the engine is not counted.
//
// To see where a copy spends its time: BENCH_LOG=1 writes the engine's log to stderr, and
// BENCH_CPUPROFILE=FILE writes a CPU profile of the copy job (go tool pprof FILE).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/backup/types"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/config"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

const role = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"

func main() {
	args := os.Args[1:]
	var err error
	switch {
	case len(args) == 3 && args[0] == "prepare":
		err = prepare(context.Background(), args[1], args[2])
	case len(args) == 2 && args[0] == "copy":
		err = copyJob(context.Background(), args[1])
	default:
		err = errors.New("usage: copybench prepare DATADIR SRC | copybench copy DATADIR")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "copybench:", err)
		os.Exit(1)
	}
}

type env struct {
	e       *engine.Engine
	us, eu  *backup.Client
	reg     *engineclient.Client
	dataDir string
}

func open(ctx context.Context, dataDir string) (*env, error) {
	cfg := &config.Config{Regions: map[string]config.Region{"eu-west-1": {StorageDir: filepath.Join(dataDir, "dr-storage")}}}
	var log *slog.Logger
	if os.Getenv("BENCH_LOG") != "" { // the engine's log on stderr, to see where a copy spends its time
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e, err := engine.Open(ctx, engine.Options{DataDir: dataDir, Config: cfg, Log: log})
	if err != nil {
		return nil, err
	}
	k := e.PrimaryKey()
	creds := awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "")
	hc := &http.Client{Transport: e.InProcessTransport()}
	client := func(region string) *backup.Client {
		return backup.New(backup.Options{Region: region, Credentials: creds, HTTPClient: hc, BaseEndpoint: aws.String(engine.InProcessEndpoint)})
	}
	reg := engineclient.New(engineclient.Options{Endpoint: engine.InProcessEndpoint, Region: "us-east-1", Credentials: creds, HTTPClient: hc})
	return &env{e: e, us: client("us-east-1"), eu: client("eu-west-1"), reg: reg, dataDir: dataDir}, nil
}

func prepare(ctx context.Context, dataDir, src string) error {
	v, err := open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer func() { _ = v.e.Close() }()
	res, err := v.reg.RegisterResource(ctx, engineclient.RegisterResourceInput{ResourceType: "EFS", Locator: src})
	if err != nil {
		return err
	}
	if _, err := v.us.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String("prod")}); err != nil {
		return err
	}
	started, err := v.us.StartBackupJob(ctx, &backup.StartBackupJobInput{BackupVaultName: aws.String("prod"), ResourceArn: aws.String(res.ResourceArn), IamRoleArn: aws.String(role)})
	if err != nil {
		return err
	}
	for {
		j, err := v.us.DescribeBackupJob(ctx, &backup.DescribeBackupJobInput{BackupJobId: started.BackupJobId})
		if err != nil {
			return err
		}
		if j.State == types.BackupJobStateCompleted {
			break
		}
		if j.State != types.BackupJobStateCreated && j.State != types.BackupJobStatePending && j.State != types.BackupJobStateRunning {
			return fmt.Errorf("backup ended %s: %s", j.State, aws.ToString(j.StatusMessage))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "point-arn"), []byte(aws.ToString(started.RecoveryPointArn)), 0o600); err != nil {
		return err
	}
	dir, err := engine.VaultRepoDir(dataDir, v.e.PrimaryKey().AccountID, "us-east-1", "prod")
	if err != nil {
		return err
	}
	fmt.Println(dir)
	return nil
}

func copyJob(ctx context.Context, dataDir string) error {
	point, err := os.ReadFile(filepath.Join(dataDir, "point-arn"))
	if err != nil {
		return fmt.Errorf("run copybench prepare first: %w", err)
	}
	v, err := open(ctx, dataDir)
	if err != nil {
		return err
	}
	defer func() { _ = v.e.Close() }()
	name := fmt.Sprintf("dr-%d", clock.Wall().UnixNano())
	dr, err := v.eu.CreateBackupVault(ctx, &backup.CreateBackupVaultInput{BackupVaultName: aws.String(name)})
	if err != nil {
		return err
	}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := clock.Wall()
	started, err := v.us.StartCopyJob(ctx, &backup.StartCopyJobInput{SourceBackupVaultName: aws.String("prod"), RecoveryPointArn: aws.String(strings.TrimSpace(string(point))),
		DestinationBackupVaultArn: dr.BackupVaultArn, IamRoleArn: aws.String(role)})
	if err != nil {
		return err
	}
	for {
		out, err := v.us.DescribeCopyJob(ctx, &backup.DescribeCopyJobInput{CopyJobId: started.CopyJobId})
		if err != nil {
			return err
		}
		switch out.CopyJob.State {
		case types.CopyJobStateCompleted:
			elapsed := clock.Since(start)
			dir, err := engine.VaultRepoDir(filepath.Join(dataDir, "dr-storage"), v.e.PrimaryKey().AccountID, "eu-west-1", name)
			if err != nil {
				return err
			}
			fmt.Printf("%.3f %d %s\n", elapsed.Seconds(), aws.ToInt64(out.CopyJob.BackupSizeInBytes), dir)
			return nil
		case types.CopyJobStateFailed:
			return fmt.Errorf("copy job failed: %s", aws.ToString(out.CopyJob.StatusMessage))
		}
		time.Sleep(2 * time.Millisecond)
	}
}
