package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// EnvProviderPprof names a directory; when set, each provider process writes a CPU profile and an
// allocation profile there (cpu-PID.pprof, allocs-PID.pprof) when Terraform stops it. Terraform
// starts the plugin several times per command, hence one pair per process.
const EnvProviderPprof = "BACKUP_PROVIDER_PPROF"

// startProfiles starts the profiles EnvProviderPprof asks for and returns the function that writes
// them; with the variable unset it does nothing.
func startProfiles() (stop func()) {
	dir := os.Getenv(EnvProviderPprof)
	if dir == "" {
		return func() {}
	}
	fail := func(err error) func() {
		fmt.Fprintf(os.Stderr, "%s: %v\n", EnvProviderPprof, err)
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	pid := os.Getpid()
	cpu, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", pid)))
	if err != nil {
		return fail(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return fail(err)
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("allocs-%d.pprof", pid)))
		if err != nil {
			fail(err)
			return
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fail(err)
		}
	}
}
