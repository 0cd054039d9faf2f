package content

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/keyring"
	"github.com/strongroom/terraform-provider-backup/internal/engine/content/tree"
)

// The repository-format parsers are fuzzed: whatever bytes a damaged or hostile store holds,
// they must return an error rather than panic, loop or allocate without bound, and what they
// accept must survive re-encoding. Seeds (valid encodings and near misses) are kept in
// testdata/fuzz/<FuzzName>/; UPDATE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds rewrites them.

func sampleIndex() []indexPack {
	return []indexPack{
		{id: PackID{1, 2, 3}, entries: []packEntry{{id: chunk.ID{9}, off: 8, length: 100, raw: 200}, {id: chunk.ID{10}, off: 108, length: 50, raw: 21}}},
		{id: PackID{4}, entries: nil},
	}
}

func sampleNodes() []*tree.Node {
	return []*tree.Node{
		{Path: "", Type: tree.NodeDir, Mode: 0o755, MTime: 1_600_000_000_000_000_000, Inode: 2, NLink: 3},
		{Path: "a", Type: tree.NodeDir, Mode: 0o700, UID: 1000, GID: 1000, MTime: -5},
		{Path: "a/file.txt", Type: tree.NodeFile, Mode: 0o644, Size: 300, Refs: []chunk.Ref{{ID: chunk.ID{1}, Len: 100}, {Len: 150}, {ID: chunk.ID{2}, Len: 50}}, NLink: 2, Inode: 77, Dev: 5, CTime: 9},
		{Path: "a/link", Type: tree.NodeSymlink, Target: "../elsewhere", Mode: 0o777},
		{Path: "a.b", Type: tree.NodeFIFO, Mode: 0o600},
		{Path: "dev", Type: tree.NodeCharDev, RDev: 0x0103},
	}
}

func encodeNodes(ns []*tree.Node) []byte {
	var enc tree.Encoder
	var b []byte
	for _, n := range ns {
		b = enc.Append(b, n)
	}
	return b
}

func sampleSnapshot() []byte {
	b, _ := json.Marshal(snapshotFile{Version: 1, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Kind: KindTree, Meta: map[string]string{"k": "v"}, Size: 10, StoredBytes: 5, Tree: []chunk.ID{{1}, {2}}, Files: 3, Dirs: 1})
	return b
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex(sampleIndex()))
	f.Add(encodeIndex(nil))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		packs, err := decodeIndex(b)
		if err != nil {
			return
		}
		again, err := decodeIndex(encodeIndex(packs))
		if err != nil {
			t.Fatalf("re-encoded index does not decode: %v", err)
		}
		if len(again) != len(packs) {
			t.Fatalf("round trip changed the pack count")
		}
		for i := range packs {
			if packs[i].id != again[i].id || !slices_equal(packs[i].entries, again[i].entries) {
				t.Fatalf("round trip changed pack %d", i)
			}
		}
	})
}

func slices_equal(a, b []packEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzDecodePackTable(f *testing.F) {
	f.Add(appendEntries(nil, sampleIndex()[0].entries), int64(200))
	f.Add(appendEntries(nil, sampleIndex()[0].entries), int64(150))
	f.Add([]byte{0}, int64(8))
	f.Fuzz(func(t *testing.T, b []byte, dataEnd int64) {
		es, err := decodePackTable(b, dataEnd)
		if err != nil {
			return
		}
		prev := int64(len(packMagic))
		for _, e := range es {
			if int64(e.off) < prev || int64(e.off)+int64(e.length) > dataEnd {
				t.Fatalf("accepted entry %+v outside [%d, %d)", e, prev, dataEnd)
			}
			prev = int64(e.off) + int64(e.length)
		}
	})
}

func FuzzParsePackFooter(f *testing.F) {
	f.Add([]byte("\x40\x00\x00\x00"+packFooterMagic), int64(1000))
	f.Add([]byte("\xff\xff\xff\xff"+packFooterMagic), int64(1000))
	f.Add([]byte("short"), int64(10))
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		n, err := parsePackFooter(b, size)
		if err != nil {
			return
		}
		if n < keyring.SealOverhead || n > size-int64(len(packMagic)+packFooterSize) {
			t.Fatalf("accepted table length %d for a %d-byte pack", n, size)
		}
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(sampleSnapshot())
	f.Add([]byte(`{"version":1,"kind":"stream","size":-1}`))
	f.Add([]byte(`{"version":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := decodeSnapshot(b)
		if err != nil {
			return
		}
		if sf.Kind != KindTree && sf.Kind != KindStream || sf.Size < 0 {
			t.Fatalf("accepted %+v", sf)
		}
		again, _ := json.Marshal(sf)
		if _, err := decodeSnapshot(again); err != nil {
			t.Fatalf("re-encoded snapshot does not decode: %v", err)
		}
	})
}

func FuzzNodeReader(f *testing.F) {
	f.Add(encodeNodes(sampleNodes()))
	f.Add(encodeNodes(sampleNodes()[:2]))
	f.Add([]byte{5, 'f', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		nr := tree.NewReader(bytes.NewReader(b))
		var got []*tree.Node
		for {
			n, err := nr.Next()
			if err != nil {
				if err != io.EOF && len(got) > 1<<20 {
					t.Fatal("unbounded")
				}
				break
			}
			if err := tree.ValidPath(n.Path); err != nil {
				t.Fatalf("accepted invalid path: %v", err)
			}
			got = append(got, n)
		}
		// What was accepted re-encodes to a list that decodes to the same nodes.
		nr = tree.NewReader(bytes.NewReader(encodeNodes(got)))
		for i, want := range got {
			n, err := nr.Next()
			if err != nil {
				t.Fatalf("node %d does not survive re-encoding: %v", i, err)
			}
			if len(want.Refs) == 0 {
				want.Refs = n.Refs[:0:0]
				if n.Refs == nil {
					want.Refs = nil
				}
			}
			if !reflect.DeepEqual(n, want) {
				t.Fatalf("node %d changed in a round trip:\n%+v\n%+v", i, want, n)
			}
		}
	})
}

func TestNodeListRoundTrips(t *testing.T) {
	want := sampleNodes()
	nr := tree.NewReader(bytes.NewReader(encodeNodes(want)))
	for i, w := range want {
		n, err := nr.Next()
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if w.Type == tree.NodeFile && !reflect.DeepEqual(n, w) || w.Type != tree.NodeFile && (n.Path != w.Path || n.Type != w.Type || n.Target != w.Target || n.RDev != w.RDev || n.Mode != w.Mode || n.MTime != w.MTime) {
			t.Fatalf("node %d: got %+v want %+v", i, n, w)
		}
	}
	if _, err := nr.Next(); err != io.EOF {
		t.Fatalf("after the last node: %v", err)
	}
	// Out of order and path-escaping lists are refused.
	bad := [][]*tree.Node{
		{{Path: "b", Type: tree.NodeDir}, {Path: "a", Type: tree.NodeDir}},
		{{Path: "a.b", Type: tree.NodeDir}, {Path: "a/x", Type: tree.NodeDir}},
		{{Path: "../etc", Type: tree.NodeDir}},
		{{Path: "a//b", Type: tree.NodeDir}},
	}
	for i, ns := range bad {
		nr := tree.NewReader(bytes.NewReader(encodeNodes(ns)))
		var err error
		for err == nil {
			_, err = nr.Next()
		}
		if err == io.EOF {
			t.Errorf("bad list %d was accepted", i)
		}
	}
}

func TestComparePathsIsWalkOrder(t *testing.T) {
	ordered := []string{"", "a", "a/b", "a/b/c", "a/bc", "a.txt", "a0", "b"}
	for i := range ordered {
		for j := range ordered {
			got := tree.ComparePaths(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("ComparePaths(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

// TestWriteFuzzSeeds writes the seed corpora kept in testdata/fuzz.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("UPDATE_FUZZ_SEEDS") == "" {
		t.Skip("set UPDATE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	lit := func(v any) string {
		switch x := v.(type) {
		case []byte:
			return "[]byte(" + strconv.Quote(string(x)) + ")"
		case int64:
			return fmt.Sprintf("int64(%d)", x)
		}
		panic("type")
	}
	write := func(name, seed string, args ...any) {
		dir := filepath.Join("testdata", "fuzz", name)
		os.MkdirAll(dir, 0o755)
		s := "go test fuzz v1\n"
		for _, a := range args {
			s += lit(a) + "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, seed), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx := encodeIndex(sampleIndex())
	write("FuzzDecodeIndex", "valid", idx)
	write("FuzzDecodeIndex", "truncated", idx[:len(idx)/2])
	write("FuzzDecodeIndex", "huge-count", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	tbl := appendEntries(nil, sampleIndex()[0].entries)
	write("FuzzDecodePackTable", "valid", tbl, int64(200))
	write("FuzzDecodePackTable", "beyond-end", tbl, int64(150))
	write("FuzzParsePackFooter", "valid", []byte("\x40\x00\x00\x00"+packFooterMagic), int64(1000))
	write("FuzzParsePackFooter", "too-long", []byte("\xff\xff\xff\xff"+packFooterMagic), int64(1000))
	snap := sampleSnapshot()
	write("FuzzDecodeSnapshot", "valid", snap)
	write("FuzzDecodeSnapshot", "unknown-field", []byte(`{"version":1,"kind":"tree","evil":true}`))
	nodes := encodeNodes(sampleNodes())
	write("FuzzNodeReader", "valid", nodes)
	write("FuzzNodeReader", "truncated", nodes[:len(nodes)-3])
	write("FuzzNodeReader", "out-of-order", encodeNodes([]*tree.Node{{Path: "b", Type: tree.NodeDir}, {Path: "a", Type: tree.NodeDir}}))
}
