//go:build !unix

package blob

// processAlive cannot check other processes here: temporary files are then left in place.
func processAlive(pid int) bool { return true }
