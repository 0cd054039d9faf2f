// Command pluginstart measures what Terraform pays each time it starts the provider: the process
// start, the provider's own start-up and go-plugin's handshake with auto mTLS, exactly as
// Terraform's plugin client does them, up to a connected gRPC client; then it stops the plugin.
// It prints the median and the spread of -runs starts, in milliseconds, for bench/provider.sh.
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
	var ms []float64
	for range *runs + 1 { // the first warms the page cache and is not counted
		d, err := start(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "pluginstart:", err)
			os.Exit(1)
		}
		ms = append(ms, float64(d.Microseconds())/1000)
	}
	ms = ms[1:]
	slices.Sort(ms)
	fmt.Printf("%.1f %.1f %.1f\n", ms[len(ms)/2], ms[0], ms[len(ms)-1])
}

func start(bin string) (time.Duration, error) {
	c := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]plugin.PluginSet{6: {"provider": connOnly{}}},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.NewNullLogger(),
		SyncStdout:       io.Discard,
		SyncStderr:       io.Discard,
	})
	defer c.Kill()
	t0 := clock.Wall()
	rpc, err := c.Client()
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", bin, err)
	}
	if _, err := rpc.Dispense("provider"); err != nil {
		return 0, fmt.Errorf("connect to %s: %w", bin, err)
	}
	return clock.Since(t0), nil
}
