package tree

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/content/chunk"
)

// The node list parser is fuzzed: whatever bytes a damaged or hostile store holds, it must
// return an error rather than panic, loop or allocate without bound, and what it accepts must
// survive re-encoding. Seeds (valid encodings and near misses) are kept in
// testdata/fuzz/<FuzzName>/; UPDATE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds rewrites them.

func sampleNodes() []*Node {
	return []*Node{
		{Path: "", Type: NodeDir, Mode: 0o755, MTime: 1_600_000_000_000_000_000, Inode: 2, NLink: 3},
		{Path: "a", Type: NodeDir, Mode: 0o700, UID: 1000, GID: 1000, MTime: -5},
		{Path: "a/file.txt", Type: NodeFile, Mode: 0o644, Size: 300, Refs: []chunk.Ref{{ID: chunk.ID{1}, Len: 100}, {Len: 150}, {ID: chunk.ID{2}, Len: 50}}, NLink: 2, Inode: 77, Dev: 5, CTime: 9},
		{Path: "a/link", Type: NodeSymlink, Target: "../elsewhere", Mode: 0o777},
		{Path: "a.b", Type: NodeFIFO, Mode: 0o600},
		{Path: "dev", Type: NodeCharDev, RDev: 0x0103},
	}
}

func encodeNodes(ns []*Node) []byte {
	var enc Encoder
	var b []byte
	for _, n := range ns {
		b = enc.Append(b, n)
	}
	return b
}

func FuzzNodeReader(f *testing.F) {
	f.Add(encodeNodes(sampleNodes()))
	f.Add(encodeNodes(sampleNodes()[:2]))
	f.Add([]byte{5, 'f', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		nr := NewReader(bytes.NewReader(b))
		var got []*Node
		for {
			n, err := nr.Next()
			if err != nil {
				if err != io.EOF && len(got) > 1<<20 {
					t.Fatal("unbounded")
				}
				break
			}
			if err := ValidPath(n.Path); err != nil {
				t.Fatalf("accepted invalid path: %v", err)
			}
			got = append(got, n)
		}
		// What was accepted re-encodes to a list that decodes to the same nodes.
		nr = NewReader(bytes.NewReader(encodeNodes(got)))
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
	nr := NewReader(bytes.NewReader(encodeNodes(want)))
	for i, w := range want {
		n, err := nr.Next()
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		if w.Type == NodeFile && !reflect.DeepEqual(n, w) || w.Type != NodeFile && (n.Path != w.Path || n.Type != w.Type || n.Target != w.Target || n.RDev != w.RDev || n.Mode != w.Mode || n.MTime != w.MTime) {
			t.Fatalf("node %d: got %+v want %+v", i, n, w)
		}
	}
	if _, err := nr.Next(); err != io.EOF {
		t.Fatalf("after the last node: %v", err)
	}
	// Out of order and path-escaping lists are refused.
	bad := [][]*Node{
		{{Path: "b", Type: NodeDir}, {Path: "a", Type: NodeDir}},
		{{Path: "a.b", Type: NodeDir}, {Path: "a/x", Type: NodeDir}},
		{{Path: "../etc", Type: NodeDir}},
		{{Path: "a//b", Type: NodeDir}},
	}
	for i, ns := range bad {
		nr := NewReader(bytes.NewReader(encodeNodes(ns)))
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
			got := ComparePaths(ordered[i], ordered[j])
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

// TestWriteFuzzSeeds writes the seed corpus kept in testdata/fuzz.
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
	nodes := encodeNodes(sampleNodes())
	write("FuzzNodeReader", "valid", nodes)
	write("FuzzNodeReader", "truncated", nodes[:len(nodes)-3])
	write("FuzzNodeReader", "out-of-order", encodeNodes([]*Node{{Path: "b", Type: NodeDir}, {Path: "a", Type: NodeDir}}))
}
