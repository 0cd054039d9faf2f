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

	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/strongroom/backup",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
