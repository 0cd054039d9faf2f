package chunk

import (
	"encoding/json"
	"testing"
)

func TestIDTextRoundTripsAndRefusesWhatIsNotAnID(t *testing.T) {
	id := ID{0xab, 1, 2}
	b, err := json.Marshal(map[string]ID{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]ID
	if err := json.Unmarshal(b, &back); err != nil || back["id"] != id {
		t.Fatalf("round trip: %v, %v", back, err)
	}
	if id.Short() != "ab0102000000" {
		t.Fatalf("Short = %s", id.Short())
	}
	for _, bad := range []string{"", "ab", id.String() + "00", "zz" + id.String()[2:]} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestHasherIsKeyedAndDeterministic(t *testing.T) {
	a, b := NewHasher([32]byte{1}), NewHasher([32]byte{2})
	data := []byte("the same content")
	if a.Sum(data) != a.Sum(append([]byte(nil), data...)) {
		t.Fatal("the same key gave the same content two IDs")
	}
	if a.Sum(data) == b.Sum(data) {
		t.Fatal("two keys gave the same content the same ID")
	}
	if !(Ref{Len: 5}).IsHole() || (Ref{ID: a.Sum(data), Len: 5}).IsHole() {
		t.Fatal("IsHole is not whether the ID is zero")
	}
}

// The chunk IDs of every existing repository depend on this being exactly BLAKE3's keyed hash, so
// the answers are BLAKE3's own test vectors (test_vectors.json: input bytes i % 251, the key
// "whats the Elvish word for friend", the first 32 bytes of keyed_hash), at lengths that cross the
// 1 KiB chunk and the SIMD batch boundaries, and two larger ones computed with
// lukechampine.com/blake3, the implementation the repository format was written with.
func TestHasherGivesBLAKE3sKeyedHash(t *testing.T) {
	var key [32]byte
	copy(key[:], "whats the Elvish word for friend")
	h := NewHasher(key)
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26"},
		{1, "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b"},
		{1023, "c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e"},
		{1024, "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4"},
		{1025, "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69"},
		{8192, "dc9637c8845a770b4cbf76b8daec0eebf7dc2eac11498517f08d44c8fc00d58a"},
		{65543, "a736f92b26c2c9cd624fd4060c650ce7bc1645e75a4f0329c6f61a3ae67be8ca"},
		{1<<20 + 12345, "0401020029c722394323906d7569522b13a1029a64d79f11d3f1bc60778cfce2"},
	} {
		in := make([]byte, c.n)
		for i := range in {
			in[i] = byte(i % 251)
		}
		// Twice: the second Sum runs on a pooled, reset hasher.
		for range 2 {
			if got := h.Sum(in).String(); got != c.want {
				t.Fatalf("keyed BLAKE3 of %d bytes = %s, want %s", c.n, got, c.want)
			}
		}
	}
}
