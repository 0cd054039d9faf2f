// Command pluginstart measures what Terraform pays each time it starts the provider: the process
// start, the provider's own start-up and go-plugin's handshake with auto mTLS, exactly as
// Terraform's plugin client does them, up to a connected gRPC client; then it stops the plugin.
// It prints the median and the spread of -runs starts, in milliseconds of wall time, then the
// median CPU time (user + system) the plugin process used per start, including its exit, for
// bench/provider.sh. On a loaded machine the CPU time is the steadier figure.
//
//	pluginstart [-runs 15] PROVIDER_BINARY
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/strongroom/terraform-provider-backup/internal/engine/clock"
)

// handshake is Terraform's: terraform-plugin-go's tf6server serves with this cookie.
var handshake = plugin.HandshakeConfig{
	MagicCookieKey:   "TF_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
}

// connOnly is the client half of a gRPC plugin that only connects.
type connOnly struct{ plugin.Plugin }

func (connOnly) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (connOnly) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return c, nil
}

func main() {
	runs := flag.Int("runs", 15, "how many starts to measure")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pluginstart [-runs N] PROVIDER_BINARY")
		os.Exit(2)
	}
	var ms, cpuMS []float64
	for range *runs + 1 { // the first warms the page cache and is not counted
		d, cpu, err := start(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "pluginstart:", err)
			os.Exit(1)
		}
		ms = append(ms, float64(d.Microseconds())/1000)
		cpuMS = append(cpuMS, float64(cpu.Microseconds())/1000)
	}
	ms, cpuMS = ms[1:], cpuMS[1:]
	slices.Sort(ms)
	slices.Sort(cpuMS)
	fmt.Printf("%.1f %.1f %.1f %.1f\n", ms[len(ms)/2], ms[0], ms[len(ms)-1], cpuMS[len(cpuMS)/2])
}

// start starts the plugin once and returns the wall time to a connected client and the CPU time
// the plugin process used, start to exit.
func start(bin string) (wall, cpu time.Duration, err error) {
	cmd := exec.Command(bin)
	c := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]plugin.PluginSet{6: {"provider": connOnly{}}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.NewNullLogger(),
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
	})
	t0 := clock.Wall()
	rpc, err := c.Client()
	if err != nil {
		c.Kill()
		return 0, 0, fmt.Errorf("start %s: %w", bin, err)
	}
	if _, err := rpc.Dispense("provider"); err != nil {
		c.Kill()
		return 0, 0, fmt.Errorf("connect to %s: %w", bin, err)
	}
	wall = clock.Since(t0)
	c.Kill() // returns once the process has exited and been waited for
	if cmd.ProcessState == nil {
		return 0, 0, fmt.Errorf("%s: no exit status after Kill", bin)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
