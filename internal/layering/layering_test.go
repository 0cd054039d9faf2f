package layering

import (
	"go/build"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/strongroom/terraform-provider-backup/"

// floors places every internal package (non-test code) on a floor, lowest first; ARCHITECTURE.md
// describes them. A package may import only packages on lower floors, so there can be no cycle
// and no call goes down into a package and back up into its caller's. A new package must be
// placed here, or the test fails.
var floors = map[string]int{
	// 0: rules and leaves, which import nothing of ours.
	"internal/engine/clock": 0, "internal/engine/apierr": 0, "internal/engine/names": 0,
	"internal/engine/region": 0, "internal/engine/policy": 0, "internal/engine/schedule": 0,
	"internal/engine/selection": 0, "internal/engine/blob": 0, "internal/engine/store": 0,
	"internal/awsbackup": 0, "internal/engine/eventpattern": 0, "internal/engine/metrics": 0,
	// The repository's leaves: chunk IDs, the bounded binary decoder, the chunker, the keyring
	// and the buffered pipe.
	"internal/engine/content/chunk": 0, "internal/engine/content/varint": 0,
	"internal/engine/content/chunker": 0, "internal/engine/content/keyring": 0,
	"internal/engine/content/bufpipe": 0,
	// 1: the path builder, the API's shapes, the static input rules, ARNs, the job summaries'
	// counting, test doubles of leaves, the S3 blob store, and the repository's parts over
	// leaves: node lists (tree) and the backup and GC locks in a store.
	"internal/engine/layout": 1, "internal/engine/wire": 1, "internal/engineclient": 1,
	"internal/engine/rules": 1, "internal/engine/arns": 1, "internal/engine/summaries": 1,
	"internal/engine/blob/blobtest": 1, "internal/engine/blob/s3blob": 1, "internal/engine/store/storetest": 1,
	"internal/engine/resources/s3/s3test": 1, "internal/engine/resources/rds/pgtest": 1,
	"internal/engine/content/tree": 1, "internal/engine/content/locks": 1,
	// Backup Audit Manager's control catalogue and evaluation, and report rendering: pure.
	"internal/engine/compliance": 1, "internal/engine/reports": 1,
	// 2: the repository format; the audit trail's hash-chained log (over layout).
	"internal/engine/content": 2, "internal/engine/audit": 2,
	// 3: what sits on the store and the repository: keys, leases, sealing, connectors' internals.
	"internal/engine/credentials": 3, "internal/engine/lease": 3, "internal/engine/secrets": 3,
	"internal/engine/resources/efs": 3, "internal/engine/resources/rds": 3, "internal/engine/resources/s3": 3,
	// 4: the connectors, the configuration, the durable task queue.
	"internal/engine/resources": 4, "internal/engine/config": 4, "internal/engine/queue": 4,
	// Report delivery to S3 (over the S3 connector's client) or a directory.
	"internal/engine/reports/delivery": 4,
	// 5: the stored records (they hold connectors' resource and restore plan types).
	"internal/engine/records": 5,
	// 6: event delivery, over records and the queue; Backup Audit Manager's reading of the
	// records (state snapshots, stored evaluations, report rows).
	"internal/engine/events": 6, "internal/engine/auditing": 6,
	// 7: job execution: the handlers of every job kind and the job state writes.
	"internal/engine/jobs": 7,
	// 8: the scheduler; restore testing beside it (the scheduler reaches it through
	// scheduler.DueWork, set by the assembly).
	"internal/engine/scheduler": 8, "internal/engine/restoretesting": 8,
	// 9: the domain.
	"internal/engine/service": 9,
	// 10: HTTP.
	"internal/engine/api": 10,
	// 11: the engine's own endpoints, served through the API handler.
	"internal/engine/extension": 11,
	// 12: the engine assembly; the web console, a client of the API handler it is given.
	"internal/engine": 12, "internal/engine/console": 12,
	// 13: what runs an engine: the CLI, the test server.
	"internal/engine/cli": 13, "internal/engine/enginetest": 13,
	// 14: the Terraform layer, which imports the engine only to run it embedded.
	"internal/provider": 14,
}

func root() string { return filepath.Join("..", "..") }

func TestImportsGoOnlyDownTheFloors(t *testing.T) {
	var dirs []string
	if err := filepath.WalkDir(filepath.Join(root(), "internal"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range dirs {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			continue // no Go files, or only tests
		}
		rel, _ := filepath.Rel(root(), dir)
		name := filepath.ToSlash(rel)
		if name == "internal/scenario" || name == "internal/layering" {
			continue // tests only
		}
		floor, ok := floors[name]
		if !ok {
			t.Errorf("package %s has no floor: place it in layering_test.go and ARCHITECTURE.md", name)
			continue
		}
		checked++
		imports := append([]string(nil), pkg.Imports...)
		sort.Strings(imports)
		for _, imp := range imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			depFloor, ok := floors[dep]
			if !ok {
				t.Errorf("%s imports %s, which has no floor", name, dep)
				continue
			}
			if depFloor >= floor {
				t.Errorf("%s (floor %d) imports %s (floor %d): imports go only to lower floors", name, floor, dep, depFloor)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("checked only %d packages: the walk did not find the tree", checked)
	}
}
