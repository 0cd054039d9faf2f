// Command terraform-provider-backup is the Terraform provider strongroom/backup and, under the
// `engine` subcommand, the backup engine it drives.
//
//	terraform-provider-backup [-debug]          serve the provider (Terraform starts it this way)
//	terraform-provider-backup engine serve ...  run the engine as a daemon
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/strongroom/terraform-provider-backup/internal/engine/cli"
	"github.com/strongroom/terraform-provider-backup/internal/provider"
)

// version is set by goreleaser.
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "engine" {
		os.Exit(cli.Main(context.Background(), os.Args[2:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
	}

	quietSDKLogs()
	// The provider allocates many short-lived objects per RPC and holds little; collecting less
	// often trades a little memory for a large share of CPU on plans of thousands of resources.
	debug.SetGCPercent(400)

	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	stopProfiles := startProfiles()
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/strongroom/backup",
		Debug:   debugMode,
	})
	stopProfiles()
	if err != nil {
		log.Fatal(err.Error())
	}
}

// quietSDKLogs turns off the plugin SDK's own trace logging unless the user asked Terraform for
// logs. terraform-plugin-go and the framework log every RPC at TRACE by default and leave the
// filtering to Terraform, which costs a quarter of the provider's CPU on large plans for lines
// nobody sees. With TF_LOG or TF_LOG_PROVIDER set, nothing changes.
func quietSDKLogs() {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	for _, env := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if os.Getenv(env) == "" {
			os.Setenv(env, "OFF")
		}
	}
}
