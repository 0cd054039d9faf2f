package provider

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// modelCodec moves a resource model (a struct of attr.Value fields with tfsdk tags, as the
// framework's Get and Set take) to and from the tftypes.Value of the resource's state, for the
// RPCs that every resource pays on every plan: Read in particular.
//
// Why not the framework's Get and Set: they reflect over the struct's tags on every call, and
// check each tag with a regexp compiled for that one check (terraform-plugin-framework#725, not
// fixed in v1.19.0), and Set rebuilds the schema's object type; together about a tenth of the
// provider's CPU per resource in a no-change plan. The codec reads the tags once per model type
// and the schema's types once per codec, then converts field by field with the same
// attr.Type.ValueFromTerraform and attr.Value.ToTerraformValue the framework calls, so the
// values are the framework's own. Anything it does not expect (a schema of another type, a field
// of another value type, a null or unknown object) it hands back to the framework's Get and Set,
// which report it as they always have.
//
// A codec learns its schema's types from the first call; a value of any other type goes to the
// framework, so declare one per resource.
type modelCodec[T any] struct {
	once    sync.Once
	fields  []codecField // nil when T is not a model the codec can convert
	objType tftypes.Object
	types   map[string]attr.Type // each field's attribute type
}

type codecField struct {
	index  int
	name   string
	goType reflect.Type
	path   path.Path
	// validate is the attribute type's own check (a map's or an Int64's), which the framework's
	// Get and Set run on every value; nil for types without one.
	validate xattr.TypeWithValidate //nolint:staticcheck // deprecated, but the framework still runs it
}

// valid reports whether tv passes f's type check without a diagnostic; the framework reports
// those that do not.
func (f codecField) valid(ctx context.Context, tv tftypes.Value) bool {
	return f.validate == nil || len(f.validate.Validate(ctx, tv, f.path)) == 0
}

// typedSchema is the part of a state's or plan's Schema (an internal framework type) the codec
// reads: the schema's object type.
type typedSchema interface{ Type() attr.Type }

// init learns T's fields and, from schema, their attribute types. A T or schema it cannot
// convert exactly as the framework would leaves fields nil, and every call then goes to the
// framework.
func (c *modelCodec[T]) init(ctx context.Context, schema typedSchema) {
	c.once.Do(func() {
		schemaType := schema.Type()
		withAttrs, ok := schemaType.(attr.TypeWithAttributeTypes)
		if !ok {
			return
		}
		objType, ok := schemaType.TerraformType(ctx).(tftypes.Object)
		if !ok {
			return
		}
		attrTypes := withAttrs.AttributeTypes()
		valueType := reflect.TypeFor[attr.Value]()
		validated := reflect.TypeFor[xattr.ValidateableAttribute]()
		t := reflect.TypeFor[T]()
		if t.Kind() != reflect.Struct || t.NumField() != len(attrTypes) {
			return
		}
		fields := make([]codecField, 0, t.NumField())
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := f.Tag.Lookup("tfsdk")
			if !ok || f.Anonymous || !f.IsExported() || !f.Type.Implements(valueType) || f.Type.Implements(validated) {
				return
			}
			at := attrTypes[name]
			if at == nil {
				return
			}
			validate, _ := at.(xattr.TypeWithValidate) //nolint:staticcheck // deprecated, but the framework still runs it
			fields = append(fields, codecField{index: i, name: name, goType: f.Type, path: path.Root(name), validate: validate})
		}
		c.fields, c.objType, c.types = fields, objType, attrTypes
	})
}

// converts reports whether the codec converts raw, a value of schema, itself.
func (c *modelCodec[T]) converts(ctx context.Context, schema typedSchema, raw tftypes.Value) bool {
	c.init(ctx, schema)
	return c.fields != nil && raw.Type() != nil && raw.Type().Equal(c.objType)
}

// get reads raw, a state or plan of schema, into m, as frameworkGet (that state's or plan's Get)
// would; frameworkGet reads what the codec does not convert itself.
func (c *modelCodec[T]) get(ctx context.Context, frameworkGet func(context.Context, any) diag.Diagnostics, schema typedSchema, raw tftypes.Value, m *T) diag.Diagnostics {
	if !c.converts(ctx, schema, raw) || raw.IsNull() || !raw.IsKnown() {
		return frameworkGet(ctx, m)
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		return frameworkGet(ctx, m)
	}
	var out T
	rv := reflect.ValueOf(&out).Elem()
	for _, f := range c.fields {
		tv := attrs[f.name]
		if !f.valid(ctx, tv) {
			return frameworkGet(ctx, m)
		}
		v, err := c.types[f.name].ValueFromTerraform(ctx, tv)
		if err != nil || v == nil || reflect.TypeOf(v) != f.goType {
			return frameworkGet(ctx, m)
		}
		rv.Field(f.index).Set(reflect.ValueOf(v))
	}
	*m = out
	return nil
}

// set writes m into *raw, a state of schema, as frameworkSet (that state's Set) would;
// frameworkSet writes what the codec does not convert itself, and reports a field whose value is
// not of its attribute's type.
func (c *modelCodec[T]) set(ctx context.Context, frameworkSet func(context.Context, any) diag.Diagnostics, schema typedSchema, raw *tftypes.Value, m *T) diag.Diagnostics {
	if !c.converts(ctx, schema, *raw) {
		return frameworkSet(ctx, m)
	}
	rv := reflect.ValueOf(m).Elem()
	attrs := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		tv, err := rv.Field(f.index).Interface().(attr.Value).ToTerraformValue(ctx)
		if err != nil || tv.Type() == nil || !tv.Type().Equal(c.objType.AttributeTypes[f.name]) || !f.valid(ctx, tv) {
			return frameworkSet(ctx, m)
		}
		attrs[f.name] = tv
	}
	*raw = tftypes.NewValue(c.objType, attrs)
	return nil
}

// String names the codec's model type in test failures.
func (c *modelCodec[T]) String() string { return fmt.Sprintf("modelCodec[%s]", reflect.TypeFor[T]()) }
