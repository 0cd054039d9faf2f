package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/audit"
)

// auditCommand is `engine audit verify|lookup`: the audit trail of a data dir, read from its
// files, so it works whether or not an engine is running on it.
func auditCommand(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, `usage: terraform-provider-backup engine audit COMMAND [flags]

commands:
  verify    check the audit trail's hash chain; name every record edited, removed or reordered
            (exit 1 if any is found)
  lookup    print the records that match, one JSON record a line, oldest first:
            --start-time, --end-time (RFC 3339), --event-name, --account, --access-key-id,
            --resource-arn; --max-results N stops after N

Both take --data-dir.`)
		if len(args) == 0 {
			return usageError{"an audit command is required: verify or lookup"}
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, env, args[1:])
	case "lookup":
		return auditLookup(ctx, env, args[1:])
	}
	return usageError{fmt.Sprintf("unknown audit command %q: use verify or lookup", args[0])}
}

func auditVerify(_ context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "audit verify")
	dataDir := dataDirFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	problems, n, err := audit.Verify(audit.Path(*dataDir))
	if err != nil {
		return fmt.Errorf("verify the audit trail: %w", err)
	}
	for _, p := range problems {
		fmt.Fprintln(env.Stdout, p.String())
	}
	if len(problems) > 0 {
		return fmt.Errorf("the audit trail in %s is broken: %d problem(s) in %d record(s)", audit.Path(*dataDir), len(problems), n)
	}
	fmt.Fprintf(env.Stdout, "%d record(s) verified: the chain is whole\n", n)
	return nil
}

func auditLookup(_ context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "audit lookup")
	dataDir := dataDirFlag(fs)
	start := fs.String("start-time", "", "only records at or after this RFC 3339 time")
	end := fs.String("end-time", "", "only records at or before this RFC 3339 time")
	var f audit.Filter
	fs.StringVar(&f.EventName, "event-name", "", "only calls of this operation, e.g. DeleteRecoveryPoint")
	fs.StringVar(&f.AccountID, "account", "", "only calls by this account ID")
	fs.StringVar(&f.AccessKeyID, "access-key-id", "", "only calls signed with this access key")
	fs.StringVar(&f.ResourceARN, "resource-arn", "", "only calls that name this ARN")
	maxResults := fs.Int("max-results", 0, "stop after this many records (0: all)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if f.Start, err = parseTimeFlag("start-time", *start); err != nil {
		return err
	}
	if f.End, err = parseTimeFlag("end-time", *end); err != nil {
		return err
	}
	errEnough := errors.New("enough")
	printed := 0
	err = audit.Lookup(audit.Path(*dataDir), f, func(_ audit.Record, line json.RawMessage) error {
		if _, err := fmt.Fprintln(env.Stdout, string(line)); err != nil {
			return err
		}
		printed++
		if *maxResults > 0 && printed >= *maxResults {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return fmt.Errorf("look up the audit trail: %w", err)
	}
	return nil
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageError{fmt.Sprintf("--%s %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", name, v)}
	}
	return t, nil
}
