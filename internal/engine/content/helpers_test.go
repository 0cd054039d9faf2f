package content

import "lukechampine.com/blake3"

func blake3Plain(b []byte) []byte { s := blake3.Sum256(b); return s[:] }
