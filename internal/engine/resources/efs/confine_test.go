//go:build linux

package efs

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// confineTree builds
//
//	base/outside/secret            a file no caller may reach
//	base/allowed/                  the allowed directory
//	  sub/deeper/                  a real directory
//	  mid -> sub                   a relative symlink that stays inside
//	  up -> ../outside             a relative symlink that leads out
//	  abs -> base/outside          an absolute symlink
//	  dangling -> nothing          a symlink to nothing
//	  engine/repos/                the engine's data dir (denied)
//	  to-engine -> engine/repos    a symlink into it
//
// and returns base.
func confineTree(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	allowed := filepath.Join(base, "allowed")
	for _, d := range []string{"outside", "allowed/sub/deeper", "allowed/engine/repos"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "outside", "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"mid": "sub", "up": "../outside", "abs": filepath.Join(base, "outside"),
		"dangling": "nothing", "to-engine": "engine/repos"} {
		if err := os.Symlink(target, filepath.Join(allowed, name)); err != nil {
			t.Fatal(err)
		}
	}
	return base
}

// bothResolvers runs f with openat2 and with the O_NOFOLLOW walk that stands in for it on
// kernels without openat2.
func bothResolvers(t *testing.T, f func(t *testing.T)) {
	for _, walk := range []bool{false, true} {
		name := "openat2"
		if walk {
			name = "walk"
		}
		t.Run(name, func(t *testing.T) {
			forceWalk = walk
			defer func() { forceWalk = false }()
			f(t)
		})
	}
}

func reasonOf(err error) Reason {
	var ce *ConfineError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return 0
}

func TestPolicyOpenResolvesBeneathTheAllowedDirectory(t *testing.T) {
	base := confineTree(t)
	allowed := filepath.Join(base, "allowed")
	engineDir := filepath.Join(allowed, "engine")
	p := Policy{Allowed: []string{allowed}, Denied: []string{engineDir}}
	cases := []struct {
		path       string
		wantReason Reason // 0: opens
		wantErr    error  // for errors that are not refusals
	}{
		{allowed, 0, nil},
		{filepath.Join(allowed, "sub"), 0, nil},
		{filepath.Join(allowed, "mid"), 0, nil},                   // a symlink at the end that stays inside
		{filepath.Join(allowed, "mid", "deeper"), 0, nil},         // a symlink in the middle that stays inside
		{filepath.Join(allowed, "up"), Escapes, nil},              // a symlink at the end that leads out
		{filepath.Join(allowed, "up", "x"), Escapes, nil},         // ... in the middle
		{filepath.Join(allowed, "abs"), Escapes, nil},             // an absolute symlink, even to a real directory
		{filepath.Join(allowed, "sub", "..", ".."), Outside, nil}, // .. is cleaned first: the result is judged
		{filepath.Join(base, "outside"), Outside, nil},
		{"/etc", Outside, nil},
		{"/", Outside, nil},
		{filepath.Join(allowed, "dangling"), 0, fs.ErrNotExist},
		{filepath.Join(allowed, "missing"), 0, fs.ErrNotExist},
		{engineDir, EngineData, nil},
		{filepath.Join(engineDir, "repos"), EngineData, nil},
		{filepath.Join(allowed, "to-engine"), EngineData, nil}, // another spelling: caught by identity
	}
	bothResolvers(t, func(t *testing.T) {
		for _, tc := range cases {
			d, err := p.Open(tc.path)
			switch {
			case tc.wantReason != 0:
				if reasonOf(err) != tc.wantReason {
					t.Errorf("Open(%s) = %v, want refusal %d", tc.path, err, tc.wantReason)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("Open(%s) = %v, want %v", tc.path, err, tc.wantErr)
				}
			case err != nil:
				t.Errorf("Open(%s) = %v, want it opened", tc.path, err)
			}
			if d != nil {
				_ = d.Close()
			}
		}
	})
}

func TestPolicyWithoutAllowedPathsRefusesEverything(t *testing.T) {
	dir := t.TempDir()
	_, err := Policy{}.Open(dir)
	if reasonOf(err) != NoAllowedPath {
		t.Fatalf("Open(%s) with no allowed path = %v, want NoAllowedPath", dir, err)
	}
}

func TestUnconfinedPolicyStillRefusesEngineData(t *testing.T) {
	base := confineTree(t)
	engineDir := filepath.Join(base, "allowed", "engine")
	p := Policy{Unconfined: true, Denied: []string{engineDir}}
	d, err := p.Open(filepath.Join(base, "allowed", "abs")) // the user's own reach: symlinks followed
	if err != nil {
		t.Fatalf("unconfined Open through an absolute symlink: %v", err)
	}
	_ = d.Close()
	for _, path := range []string{engineDir, filepath.Join(engineDir, "repos"), filepath.Join(base, "allowed", "to-engine")} {
		if _, err := p.Open(path); reasonOf(err) != EngineData {
			t.Errorf("unconfined Open(%s) = %v, want EngineData", path, err)
		}
		if _, _, err := p.OpenParent(filepath.Join(path, "restored")); reasonOf(err) != EngineData {
			t.Errorf("unconfined OpenParent(%s/restored) = %v, want EngineData", path, err)
		}
	}
}

// What a restore writes below an opened directory never follows a symlink, not even one that
// stays inside, and nothing appears outside.
func TestDirWritesNeverFollowSymlinks(t *testing.T) {
	base := confineTree(t)
	allowed := filepath.Join(base, "allowed")
	bothResolvers(t, func(t *testing.T) {
		d, err := Policy{Allowed: []string{allowed}}.Open(allowed)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for _, rel := range []string{"mid/new-file", "up/new-file", "abs/new-file"} {
			f, err := d.Create(rel)
			if f != nil {
				f.Close()
			}
			if reasonOf(err) != ThroughSymlink {
				t.Errorf("Create(%s) = %v, want ThroughSymlink", rel, err)
			}
		}
		if err := d.Mkdir("up/new-dir", 0o755); reasonOf(err) != ThroughSymlink {
			t.Errorf("Mkdir(up/new-dir) = %v, want ThroughSymlink", err)
		}
		if _, err := d.Create("dangling"); !errors.Is(err, fs.ErrExist) {
			t.Errorf("Create over a dangling symlink = %v, want it refused as existing (never created through it)", err)
		}
		if _, err := d.OpenDir("mid"); reasonOf(err) != ThroughSymlink {
			t.Errorf("OpenDir(mid) = %v, want ThroughSymlink", err)
		}
		// OpenParent follows symlinks on the way only while they stay inside.
		if _, _, err := d.OpenParent("up/restored"); reasonOf(err) != Escapes {
			t.Errorf("OpenParent(up/restored) = %v, want Escapes", err)
		}
		if _, _, err := d.OpenParent("abs/new/restored"); reasonOf(err) != Escapes {
			t.Errorf("OpenParent(abs/new/restored) = %v, want Escapes", err)
		}
	})
	ents, _ := os.ReadDir(filepath.Join(base, "outside"))
	if len(ents) != 1 || ents[0].Name() != "secret" {
		t.Errorf("something was written outside the allowed directory: %v", ents)
	}
	if _, err := os.Lstat(filepath.Join(base, "allowed", "nothing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dangling symlink's target was created")
	}
}

func TestOpenParentCreatesMissingDirectoriesBeneath(t *testing.T) {
	base := confineTree(t)
	allowed := filepath.Join(base, "allowed")
	bothResolvers(t, func(t *testing.T) {
		dest := filepath.Join(allowed, "mid", "a", "b", "restored")
		parent, name, err := Policy{Allowed: []string{allowed}}.OpenParent(dest)
		if err != nil {
			t.Fatal(err)
		}
		defer parent.Close()
		if name != "restored" {
			t.Errorf("name = %q", name)
		}
		if fi, err := os.Stat(filepath.Join(allowed, "sub", "a", "b")); err != nil || !fi.IsDir() {
			t.Errorf("the missing parents were not created below the symlink's target: %v", err)
		}
		_ = os.RemoveAll(filepath.Join(allowed, "sub", "a"))
	})
}

// A backup of a tree that holds the engine's data dir leaves it out, and reads nothing through
// symlinks.
func TestBackupDirLeavesOutEngineData(t *testing.T) {
	base := confineTree(t)
	allowed := filepath.Join(base, "allowed")
	if err := os.WriteFile(filepath.Join(allowed, "engine", "master.key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(allowed, "sub", "data.txt"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The engine's config file, kept outside its data dir (engine serve --config), holds keys.
	cfgFile := filepath.Join(allowed, "sub", "config.json")
	if err := os.WriteFile(cfgFile, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repo := newRepo(t)
	d, err := Policy{Allowed: []string{allowed}, Denied: []string{filepath.Join(allowed, "engine"), cfgFile}}.Open(allowed)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := BackupDir(ctx, repo, d, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	nr, err := repo.Nodes(ctx, res.Snapshot.ID)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for {
		n, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, n.Path)
		if n.Type == tree.NodeSymlink && n.Size != 0 {
			t.Errorf("symlink %s was read through", n.Path)
		}
	}
	if slices.Contains(paths, "engine") || slices.Contains(paths, "engine/master.key") || slices.Contains(paths, "sub/config.json") {
		t.Errorf("the engine's data dir was backed up: %v", paths)
	}
	if !slices.Contains(paths, "sub/data.txt") || !slices.Contains(paths, "up") {
		t.Errorf("the rest of the tree is missing: %v", paths)
	}
}
