package main

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	backupprovider "github.com/strongroom/terraform-provider-backup/internal/provider"
)

// floor_vault is only a floor for backup_vault while it has backup_vault's schema: the same
// attributes, of the same types, with the same required, optional and computed flags, and plan
// modifiers, defaults and validators on the same attributes. A change to backup_vault's schema
// fails here until floor_vault follows it.
func TestFloorVaultHasBackupVaultsSchema(t *testing.T) {
	ctx := context.Background()
	want := backupVaultSchema(t)
	var got resource.SchemaResponse
	vault{}.Schema(ctx, resource.SchemaRequest{}, &got)

	if len(got.Schema.Attributes) != len(want.Attributes) {
		t.Errorf("floor_vault has %d attributes, backup_vault %d", len(got.Schema.Attributes), len(want.Attributes))
	}
	for name, w := range want.Attributes {
		g, ok := got.Schema.Attributes[name]
		if !ok {
			t.Errorf("floor_vault lacks backup_vault's attribute %s", name)
			continue
		}
		if !g.GetType().Equal(w.GetType()) || g.IsRequired() != w.IsRequired() || g.IsOptional() != w.IsOptional() || g.IsComputed() != w.IsComputed() {
			t.Errorf("%s: floor_vault's is %s required=%v optional=%v computed=%v; backup_vault's %s required=%v optional=%v computed=%v", name,
				g.GetType(), g.IsRequired(), g.IsOptional(), g.IsComputed(), w.GetType(), w.IsRequired(), w.IsOptional(), w.IsComputed())
		}
		if gm, wm := planModifiers(g), planModifiers(w); gm != wm {
			t.Errorf("%s: floor_vault has %d plan modifiers, backup_vault %d", name, gm, wm)
		}
		if gv, wv := validators(g), validators(w); gv != wv {
			t.Errorf("%s: floor_vault has %d validators, backup_vault %d", name, gv, wv)
		}
		if gd, wd := hasDefault(g), hasDefault(w); gd != wd {
			t.Errorf("%s: floor_vault has a default: %v, backup_vault: %v", name, gd, wd)
		}
	}
}

func backupVaultSchema(t *testing.T) schema.Schema {
	t.Helper()
	ctx := context.Background()
	p := backupprovider.New("test")()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "backup"}, &meta)
		if meta.TypeName != "backup_vault" {
			continue
		}
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		return resp.Schema
	}
	t.Fatal("the provider has no backup_vault")
	return schema.Schema{}
}

func planModifiers(a schema.Attribute) int {
	switch a := a.(type) {
	case schema.StringAttribute:
		return len(a.PlanModifiers)
	case schema.BoolAttribute:
		return len(a.PlanModifiers)
	case schema.Int64Attribute:
		return len(a.PlanModifiers)
	case schema.MapAttribute:
		return len(a.PlanModifiers)
	}
	return -1
}

func validators(a schema.Attribute) int {
	switch a := a.(type) {
	case schema.StringAttribute:
		return len(a.Validators)
	case schema.BoolAttribute:
		return len(a.Validators)
	case schema.Int64Attribute:
		return len(a.Validators)
	case schema.MapAttribute:
		return len(a.Validators)
	}
	return -1
}

func hasDefault(a schema.Attribute) bool {
	switch a := a.(type) {
	case schema.StringAttribute:
		return a.Default != nil
	case schema.BoolAttribute:
		return a.Default != nil
	case schema.Int64Attribute:
		return a.Default != nil
	case schema.MapAttribute:
		return a.Default != nil
	}
	return false
}
