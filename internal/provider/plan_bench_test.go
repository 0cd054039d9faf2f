package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
)

// BenchmarkVaultNoChangePlan is what one backup_vault costs the provider in a `terraform plan`
// that changes nothing, RPC by RPC as Terraform sends them (validate, upgrade the stored state,
// refresh, plan), on the embedded engine. bench/provider.sh measures the whole command beside
// terraform_data; this isolates the provider's share so a change can be judged without the noise
// of a shared machine (-benchmem shows the allocations that drive GC).
func BenchmarkVaultNoChangePlan(b *testing.B) {
	ctx := context.Background()
	// The engine's own in-process transport, not the test transport of unmodelled_test.go.
	testTransport := embeddedTransport
	embeddedTransport = func(e *engine.Engine) http.RoundTripper { return e.InProcessTransport() }
	b.Cleanup(func() { embeddedTransport = testTransport })
	dataDir := filepath.Join(b.TempDir(), "engine")
	b.Cleanup(func() {
		if err := closeEmbeddedEngine(dataDir); err != nil {
			b.Errorf("close the embedded engine: %v", err)
		}
	})
	server, err := providerserver.NewProtocol6WithError(New("bench")())()
	if err != nil {
		b.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	failOnErrors(b, "GetProviderSchema", schemas.Diagnostics)
	providerConfig := nullObject(b, schemas.Provider.ValueType(), map[string]tftypes.Value{"data_dir": tftypes.NewValue(tftypes.String, dataDir)})
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: providerConfig})
	if err != nil {
		b.Fatal(err)
	}
	failOnErrors(b, "ConfigureProvider", configured.Diagnostics)

	const typeName = "backup_vault"
	vaultType := schemas.ResourceSchemas[typeName].ValueType()
	tags := tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
		"bench": tftypes.NewValue(tftypes.String, "provider"),
		"index": tftypes.NewValue(tftypes.String, "0"),
	})
	config := nullObject(b, vaultType, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "bench-vault-0"), "tags": tags})

	// Create the vault as `terraform apply` does: plan from nothing, then apply the plan.
	priorNull, err := tfprotov6.NewDynamicValue(vaultType, tftypes.NewValue(vaultType, nil))
	if err != nil {
		b.Fatal(err)
	}
	planned, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typeName, PriorState: &priorNull, ProposedNewState: config, Config: config})
	if err != nil {
		b.Fatal(err)
	}
	failOnErrors(b, "PlanResourceChange (create)", planned.Diagnostics)
	applied, err := server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: typeName, PriorState: &priorNull,
		PlannedState: planned.PlannedState, Config: config, PlannedPrivate: planned.PlannedPrivate})
	if err != nil {
		b.Fatal(err)
	}
	failOnErrors(b, "ApplyResourceChange", applied.Diagnostics)
	// Terraform stores the state as JSON and hands it back to UpgradeResourceState on the next run.
	stored, err := applied.NewState.Unmarshal(vaultType)
	if err != nil {
		b.Fatal(err)
	}
	rawJSON := stateJSON(b, stored)

	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for b.Loop() {
		validated, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: typeName, Config: config})
		if err != nil {
			b.Fatal(err)
		}
		failOnErrors(b, "ValidateResourceConfig", validated.Diagnostics)
		upgraded, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: typeName, RawState: &tfprotov6.RawState{JSON: rawJSON}})
		if err != nil {
			b.Fatal(err)
		}
		failOnErrors(b, "UpgradeResourceState", upgraded.Diagnostics)
		read, err := server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: upgraded.UpgradedState, Private: applied.Private})
		if err != nil {
			b.Fatal(err)
		}
		failOnErrors(b, "ReadResource", read.Diagnostics)
		plan, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typeName, PriorState: read.NewState,
			ProposedNewState: read.NewState, Config: config, PriorPrivate: read.Private})
		if err != nil {
			b.Fatal(err)
		}
		failOnErrors(b, "PlanResourceChange", plan.Diagnostics)
		if len(plan.RequiresReplace) > 0 {
			b.Fatalf("a no-change plan requires replacement of %v", plan.RequiresReplace)
		}
	}
	// The wall time per op is mostly the engine's audit fsyncs, which Terraform's parallel calls
	// share; the CPU per op is the cost this benchmark is for.
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time (user and system) this process has used so far.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stateJSON encodes an object value the way Terraform stores it in its state file: attribute
// name to plain JSON value.
func stateJSON(tb testing.TB, v tftypes.Value) []byte {
	tb.Helper()
	as := func(v tftypes.Value, dst any) {
		if err := v.As(dst); err != nil {
			tb.Fatalf("state value %s: %v", v, err)
		}
	}
	var toJSON func(v tftypes.Value) any
	toJSON = func(v tftypes.Value) any {
		if v.IsNull() {
			return nil
		}
		switch {
		case v.Type().Is(tftypes.String):
			var s string
			as(v, &s)
			return s
		case v.Type().Is(tftypes.Bool):
			var x bool
			as(v, &x)
			return x
		case v.Type().Is(tftypes.Number):
			n := new(big.Float)
			as(v, &n)
			f, _ := n.Float64()
			return f
		case v.Type().Is(tftypes.Map{}), v.Type().Is(tftypes.Object{}):
			var m map[string]tftypes.Value
			as(v, &m)
			out := map[string]any{}
			for k, e := range m {
				out[k] = toJSON(e)
			}
			return out
		case v.Type().Is(tftypes.List{}), v.Type().Is(tftypes.Set{}):
			var l []tftypes.Value
			as(v, &l)
			out := []any{}
			for _, e := range l {
				out = append(out, toJSON(e))
			}
			return out
		}
		tb.Fatalf("state value of type %s has no JSON form here", v.Type())
		return nil
	}
	b, err := json.Marshal(toJSON(v))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
