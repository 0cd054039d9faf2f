// Command backupbench drives the engine's data path (content + resources/efs) exactly as the
// job runner does, for bench/backup.sh: generate datasets, back a tree up into a repository on a
// local blob store, restore it. Each run is its own process so the script can measure its wall
// time, CPU time and peak RSS with /usr/bin/time.
//
//	backupbench gen-mixed DIR MIB        a mixed dataset: text, random data, many small files
//	backupbench gen-tree DIR FILES       a tree of FILES small files, 100 per directory
//	backupbench backup REPO SRC [PARENT] back SRC up (REPO is created if new); prints the snapshot ID
//	backupbench restore REPO SNAP DEST   restore a snapshot into DEST (new or empty)
//	backupbench zstd-floor SRC OUT       the Go floor: read SRC, zstd it as the engine does, on
//	                                     every core, into one file OUT (see zstdfloor.go)
//
// REPO is a directory, or an S3 storage URL (s3://BUCKET/PREFIX?endpoint=...; credentials from
// the environment, the master key in $BACKUPBENCH_MASTER_KEY), as a vault's storage in config.json.
//
// -cpuprofile FILE writes a pprof CPU profile of backup or restore, -trace FILE an execution
// trace (`go tool trace` shows which stages keep the cores busy and where they wait), and
// -workers N sets how many goroutines seal chunks (default: one per core), so a run can show how
// the backup scales, and -cpu-timeline 250ms prints the cores the process and the machine used
// in each interval, and at the end the core-seconds the machine left idle meanwhile.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/blob/s3blob"
	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/resources/efs"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	tracefile := flag.String("trace", "", "write an execution trace to this file")
	flag.IntVar(&workers, "workers", 0, "goroutines that seal chunks (0: one per core)")
	timeline := flag.Duration("cpu-timeline", 0, "print the cores used every interval (e.g. 250ms)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fail(errors.New("usage: backupbench gen-mixed|gen-tree|backup|restore ARGS"))
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *tracefile != "" {
		f, err := os.Create(*tracefile)
		if err != nil {
			fail(err)
		}
		if err := trace.Start(f); err != nil {
			fail(err)
		}
		defer trace.Stop()
	}
	if *timeline > 0 {
		stop := startCPUTimeline(os.Stderr, *timeline)
		defer stop()
	}
	ctx := context.Background()
	var err error
	switch args[0] {
	case "gen-mixed":
		need(args, 3)
		mib, _ := strconv.Atoi(args[2])
		err = genMixed(args[1], int64(mib)<<20)
	case "gen-tree":
		need(args, 3)
		n, _ := strconv.Atoi(args[2])
		err = genTree(args[1], n)
	case "backup":
		need(args, 3)
		parent := ""
		if len(args) > 3 {
			parent = args[3]
		}
		err = backup(ctx, args[1], args[2], parent)
	case "restore":
		need(args, 4)
		err = restore(ctx, args[1], args[2], args[3])
	case "zstd-floor":
		need(args, 3)
		err = zstdFloor(args[1], args[2])
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		pprof.StopCPUProfile()
		trace.Stop()
		fail(err)
	}
}

// workers is the -workers flag: content.WithWorkers for every repository opened.
var workers int

func need(args []string, n int) {
	if len(args) < n {
		fail(fmt.Errorf("%s needs %d arguments", args[0], n-1))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "backupbench:", err)
	os.Exit(1)
}

func openRepo(ctx context.Context, dir string) (*content.Repository, error) {
	var st blob.Store
	keyPath := filepath.Join(filepath.Dir(dir), "master.key")
	if strings.HasPrefix(dir, "s3://") {
		loc, err := s3blob.ParseLocation(dir)
		if err != nil {
			return nil, err
		}
		if st, err = s3blob.Open(ctx, loc); err != nil {
			return nil, err
		}
		if keyPath = os.Getenv("BACKUPBENCH_MASTER_KEY"); keyPath == "" {
			return nil, errors.New("an s3:// repository needs $BACKUPBENCH_MASTER_KEY, the path of its master key")
		}
	} else {
		local, err := blob.NewLocal(dir)
		if err != nil {
			return nil, err
		}
		st = local
	}
	mk, err := keyring.LoadOrCreateMasterKey(keyPath)
	if err != nil {
		return nil, err
	}
	var opts []content.Option
	if workers > 0 {
		opts = append(opts, content.WithWorkers(workers))
	}
	r, err := content.Open(ctx, st, mk, opts...)
	if errors.Is(err, content.ErrNotRepository) {
		return content.Init(ctx, st, mk, "bench", opts...)
	}
	return r, err
}

func backup(ctx context.Context, repoDir, src, parent string) error {
	r, err := openRepo(ctx, repoDir)
	if err != nil {
		return err
	}
	start := clock.Wall()
	var progress func(content.Progress)
	if os.Getenv("BACKUPBENCH_PROGRESS") != "" {
		progress = func(p content.Progress) {
			fmt.Fprintf(os.Stderr, "%6.2fs files %d/%d bytes %d/%d stored %d\n", clock.Since(start).Seconds(), p.ItemsDone, p.ItemsTotal, p.BytesDone, p.BytesTotal, p.BytesTransferred)
		}
	}
	res, err := efs.Backup(ctx, r, src, content.SnapshotID(parent), progress)
	if err != nil {
		return err
	}
	fmt.Println(res.Snapshot.ID)
	fmt.Fprintf(os.Stderr, "backup: %d files, %d dirs, %d bytes, %d files read, %d bytes stored, %.2fs, partial=%v %q\n",
		res.Files, res.Dirs, res.Bytes, res.FilesRead, res.BytesTransferred, clock.Since(start).Seconds(), res.Partial, res.Warnings)
	return nil
}

func restore(ctx context.Context, repoDir, snap, dest string) error {
	r, err := openRepo(ctx, repoDir)
	if err != nil {
		return err
	}
	start := clock.Wall()
	res, err := efs.Restore(ctx, r, content.SnapshotID(snap), dest, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "restore: %d files, %d dirs, %d bytes, %.2fs\n", res.Files, res.Dirs, res.Bytes, clock.Since(start).Seconds())
	return nil
}

// Datasets are deterministic (fixed seeds), so every run backs up the same bytes.

var words = []string{
	"backup", "vault", "recovery", "point", "restore", "lifecycle", "job", "plan", "selection",
	"engine", "terraform", "resource", "request", "completed", "running", "failed", "bytes",
	"the", "of", "and", "to", "in", "for", "with", "on", "at", "by", "from", "user", "account",
	"region", "us-east-1", "eu-west-1", "arn:aws:backup", "snapshot", "index", "pack", "chunk",
}

var levels = []string{"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"}

// writeText writes log-like lines: timestamps, levels, request IDs and words.
func writeText(w *bufio.Writer, r *rand.Rand, n int64) {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var written int64
	var line []byte
	for written < n {
		t = t.Add(time.Duration(r.IntN(5000)) * time.Millisecond)
		line = t.AppendFormat(line[:0], time.RFC3339Nano)
		line = append(line, ' ')
		line = append(line, levels[r.IntN(len(levels))]...)
		line = append(line, " req="...)
		line = strconv.AppendUint(line, r.Uint64()%1_000_000_000, 16)
		for k := 3 + r.IntN(12); k > 0; k-- {
			line = append(line, ' ')
			line = append(line, words[r.IntN(len(words))]...)
			if r.IntN(6) == 0 {
				line = append(line, '=')
				line = strconv.AppendInt(line, int64(r.IntN(100000)), 10)
			}
		}
		line = append(line, '\n')
		if int64(len(line)) > n-written {
			line = line[:n-written]
		}
		_, _ = w.Write(line) // bufio.Writer: the error is reported by Flush
		written += int64(len(line))
	}
}

func writeRandom(w *bufio.Writer, r *rand.ChaCha8, n int64) {
	buf := make([]byte, 1<<20)
	for n > 0 {
		k := min(int64(len(buf)), n)
		_, _ = r.Read(buf[:k]) // ChaCha8.Read never fails
		_, _ = w.Write(buf[:k])
		n -= k
	}
}

func writeFile(path string, fill func(w *bufio.Writer)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fill(w)
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// genMixed writes size bytes: 3/8 log text in 64 MiB files, 3/8 random data in large and medium
// files, 1/4 small files (1-16 KiB, half text, half random) 250 to a directory.
func genMixed(dir string, size int64) error {
	r := rand.New(rand.NewPCG(1, 1))
	cc := rand.NewChaCha8([32]byte{7})
	text, random, small := size*3/8, size*3/8, size/4
	for i := 0; text > 0; i++ {
		n := min(text, 64<<20)
		if err := writeFile(filepath.Join(dir, "logs", fmt.Sprintf("app-%02d.log", i)), func(w *bufio.Writer) { writeText(w, r, n) }); err != nil {
			return err
		}
		text -= n
	}
	for i := 0; random > 0; i++ {
		n := int64(192 << 20)
		if i >= 2 {
			n = 8 << 20
		}
		n = min(n, random)
		if err := writeFile(filepath.Join(dir, "blobs", fmt.Sprintf("blob-%03d.bin", i)), func(w *bufio.Writer) { writeRandom(w, cc, n) }); err != nil {
			return err
		}
		random -= n
	}
	for i := 0; small > 0; i++ {
		n := min(small, int64(1024+r.IntN(15*1024)))
		p := filepath.Join(dir, "small", fmt.Sprintf("d%03d", i/250), fmt.Sprintf("f%05d", i))
		isText := i%2 == 0
		if err := writeFile(p, func(w *bufio.Writer) {
			if isText {
				writeText(w, r, n)
			} else {
				writeRandom(w, cc, n)
			}
		}); err != nil {
			return err
		}
		small -= n
	}
	return nil
}

// genTree writes n small files (64 to 1024 bytes of text, each unique), 100 per directory,
// 100 directories per parent.
func genTree(dir string, n int) error {
	r := rand.New(rand.NewPCG(2, 2))
	buf := make([]byte, 0, 1100)
	for i := 0; i < n; i++ {
		d := filepath.Join(dir, fmt.Sprintf("p%03d", i/10000), fmt.Sprintf("d%03d", i/100%100))
		if i%100 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		buf = append(buf[:0], fmt.Sprintf("file %d\n", i)...)
		for target := 64 + r.IntN(960); len(buf) < target; {
			buf = append(buf, words[r.IntN(len(words))]...)
			buf = append(buf, ' ')
		}
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%02d.txt", i%100)), buf, 0o644); err != nil {
			return err
		}
	}
	return nil
}
