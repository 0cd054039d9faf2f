package content

// Progress is how far a backup or restore into or out of a repository is. Every connector
// reports it in these terms, from the tree walk and the bucket listing up to the job that
// records it, so that no layer translates it.
type Progress struct {
	// ItemsDone of ItemsTotal: the files of a tree or the objects of a bucket (totals grow while
	// the source is scanned).
	ItemsDone, ItemsTotal int64
	// BytesDone of BytesTotal logical bytes.
	BytesDone, BytesTotal int64
	// BytesTransferred is what a backup newly stored in the repository (after deduplication and
	// compression).
	BytesTransferred int64
}
