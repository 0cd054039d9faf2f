package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The state-upgrade harness. Every resource's schema declares a Version (0 so far). When a
// resource's state changes shape, bump its Version, implement resource.ResourceWithUpgradeState
// for the prior version, and add a case that runs checkStateUpgrade with a state JSON as the prior
// version stored it and the state the upgrade must make of it.
//
// It speaks the plugin protocol (UpgradeResourceState against providerserver.NewProtocol6WithError),
// as Terraform does when it reads a stored state, so the framework's own machinery runs: for a
// state already at the current version the framework passes it through, decoded with the current
// schema, without calling the resource.

// checkStateUpgrade fails t unless upgrading priorJSON, stored by resourceType at priorVersion,
// gives the state wantJSON.
func checkStateUpgrade(t *testing.T, resourceType string, priorVersion int64, priorJSON, wantJSON string) {
	t.Helper()
	if diff, err := stateUpgradeDiff(context.Background(), resourceType, priorVersion, priorJSON, wantJSON); err != nil {
		t.Fatal(err)
	} else if diff != "" {
		t.Errorf("upgrading %s state from version %d: %s", resourceType, priorVersion, diff)
	}
}

// stateUpgradeDiff upgrades priorJSON and says how the result differs from wantJSON ("" when it
// does not); err is a failure to upgrade at all.
func stateUpgradeDiff(ctx context.Context, resourceType string, priorVersion int64, priorJSON, wantJSON string) (string, error) {
	server, schemas, err := protocolServer(ctx)
	if err != nil {
		return "", err
	}
	s, ok := schemas.ResourceSchemas[resourceType]
	if !ok {
		return "", fmt.Errorf("the provider has no resource %s", resourceType)
	}
	typ := s.ValueType()
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: resourceType, Version: priorVersion, RawState: &tfprotov6.RawState{JSON: []byte(priorJSON)},
	})
	if err != nil {
		return "", fmt.Errorf("UpgradeResourceState: %w", err)
	}
	if hasErrors(resp.Diagnostics) || resp.UpgradedState == nil {
		return "", fmt.Errorf("UpgradeResourceState of %s from version %d: %s", resourceType, priorVersion, diagText(resp.Diagnostics))
	}
	got, err := resp.UpgradedState.Unmarshal(typ)
	if err != nil {
		return "", fmt.Errorf("decoding the upgraded state: %w", err)
	}
	want, err := (&tfprotov6.RawState{JSON: []byte(wantJSON)}).UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{})
	if err != nil {
		return "", fmt.Errorf("decoding the expected state with the current schema: %w", err)
	}
	if got.Equal(want) {
		return "", nil
	}
	return fmt.Sprintf("got\n%s\nwant\n%s", got, want), nil
}

// protocolServer is a fresh, unconfigured provider server and its schemas. Upgrading a state
// needs no engine: an upgrade rewrites stored values and calls no API.
func protocolServer(ctx context.Context) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse, error) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		return nil, nil, err
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		return nil, nil, err
	}
	if hasErrors(schemas.Diagnostics) {
		return nil, nil, fmt.Errorf("GetProviderSchema: %s", diagText(schemas.Diagnostics))
	}
	return server, schemas, nil
}

// sampleStateJSON is a state of type typ with every attribute and block set (one element per
// collection), as JSON.
func sampleStateJSON(t *testing.T, typ tftypes.Type) string {
	t.Helper()
	b, err := json.Marshal(sampleValue(t, typ))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sampleValue(t *testing.T, typ tftypes.Type) any {
	t.Helper()
	switch {
	case typ.Is(tftypes.String):
		return "sample"
	case typ.Is(tftypes.Number):
		return 7
	case typ.Is(tftypes.Bool):
		return true
	}
	switch typ := typ.(type) {
	case tftypes.List:
		return []any{sampleValue(t, typ.ElementType)}
	case tftypes.Set:
		return []any{sampleValue(t, typ.ElementType)}
	case tftypes.Map:
		return map[string]any{"key": sampleValue(t, typ.ElementType)}
	case tftypes.Object:
		o := map[string]any{}
		for name, at := range typ.AttributeTypes {
			o[name] = sampleValue(t, at)
		}
		return o
	}
	t.Fatalf("no sample value for type %s: extend sampleValue", typ)
	return nil
}

// TestStateUpgrade_currentVersionRoundTrips proves the harness on every resource: a state at the
// resource's current version comes back unchanged, a wrong expectation is reported, and a version
// the resource has no upgrade for is an error.
func TestStateUpgrade_currentVersionRoundTrips(t *testing.T) {
	ctx := context.Background()
	_, schemas, err := protocolServer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var resourceTypes []string
	for name := range schemas.ResourceSchemas {
		resourceTypes = append(resourceTypes, name)
	}
	sort.Strings(resourceTypes)
	if len(resourceTypes) == 0 {
		t.Fatal("the provider has no resources")
	}
	for _, resourceType := range resourceTypes {
		t.Run(resourceType, func(t *testing.T) {
			s := schemas.ResourceSchemas[resourceType]
			if s.Version != 0 {
				t.Errorf("schema version %d: add this resource's upgrade cases from version 0 to this test file", s.Version)
			}
			state := sampleStateJSON(t, s.ValueType())
			checkStateUpgrade(t, resourceType, s.Version, state, state)

			nulls := map[string]any{}
			for name := range s.ValueType().(tftypes.Object).AttributeTypes {
				nulls[name] = nil
			}
			b, _ := json.Marshal(nulls)
			diff, err := stateUpgradeDiff(ctx, resourceType, s.Version, state, string(b))
			if err != nil || diff == "" {
				t.Errorf("a state of nulls should differ from the upgraded sample state: diff %q, err %v", diff, err)
			}
			// Another version goes to the resource's UpgradeState, which none has yet.
			if _, err := stateUpgradeDiff(ctx, resourceType, s.Version+1, state, state); err == nil {
				t.Errorf("upgrading from version %d, which the resource does not know, should fail", s.Version+1)
			}
		})
	}
}
