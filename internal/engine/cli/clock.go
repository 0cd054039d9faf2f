package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
	"github.com/strongroom/terraform-provider-backup/internal/engineclient"
)

// clockCommand is `engine clock show|set|advance`: the fake clock of a running engine, through
// its extension API.
func clockCommand(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.Stderr, `usage: terraform-provider-backup engine clock COMMAND [flags]

commands:
  show                   print the engine's time and whether it is a fake clock
  set TIME               move the fake clock to an RFC 3339 time, e.g. 2025-01-02T03:00:00Z
  advance DURATION       move the fake clock forward, e.g. 24h, 90m, 400d or 1d12h

set and advance do everything that comes due on the way, in time order — rules fire and their
jobs run to completion, start and completion windows close, lifecycles move recovery points to
cold storage and delete them — and return when that is done. They need an engine started with
--fake-clock. Every command takes --endpoint, --region and credentials, like engine resource;
set and advance also take --max-wait (how long each step waits for its jobs; default: as long as
they take).`)
		if len(args) == 0 {
			return usageError{"a clock command is required"}
		}
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	fs := newFlagSet(env, "clock "+cmd)
	cf := addClientFlags(fs)
	maxWait := fs.Duration("max-wait", 0, "how long each step waits for the jobs it started before moving on (0: as long as they take)")
	// The TIME or DURATION may come before or after the flags.
	var arg string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		arg, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	extra := fs.Args()
	if arg == "" && len(extra) > 0 {
		arg, extra = extra[0], extra[1:]
	}
	if len(extra) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", extra[0])}
	}
	var move func(c *engineclient.Client) (*engineclient.ClockMove, error)
	switch cmd {
	case "show":
		if arg != "" {
			return usageError{fmt.Sprintf("clock show takes no argument, got %q", arg)}
		}
	case "set":
		t, err := time.Parse(time.RFC3339Nano, arg)
		if err != nil {
			return usageError{fmt.Sprintf("clock set needs an RFC 3339 time such as 2025-01-02T03:00:00Z, got %q", arg)}
		}
		move = func(c *engineclient.Client) (*engineclient.ClockMove, error) { return c.SetClock(ctx, t, *maxWait) }
	case "advance":
		if _, err := clock.ParseDuration(arg); err != nil {
			return usageError{"clock advance: " + err.Error()}
		}
		move = func(c *engineclient.Client) (*engineclient.ClockMove, error) {
			return c.AdvanceClock(ctx, arg, *maxWait)
		}
	default:
		return usageError{fmt.Sprintf("unknown clock command %q: want show, set or advance", cmd)}
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	if move == nil {
		clk, err := c.GetClock(ctx)
		if err != nil {
			return err
		}
		kind := "wall clock"
		if clk.Mode == "fake" {
			kind = "fake clock"
		}
		fmt.Fprintf(env.Stdout, "%s (%s)\n", clk.Now.Format(time.RFC3339Nano), kind)
		return nil
	}
	m, err := move(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s (fake clock; moved from %s, %d due instant(s) on the way)\n", m.Now.Format(time.RFC3339Nano), m.From.Format(time.RFC3339Nano), m.Steps)
	if m.Unfinished {
		fmt.Fprintf(env.Stderr, "warning: some jobs were still running after --max-wait %s and the clock moved on without them\n", *maxWait)
	}
	return nil
}
