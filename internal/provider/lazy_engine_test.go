package provider

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/smithy-go/middleware"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
)

// nullObject is a value of the object type t with every attribute null but those in set.
func nullObject(t testing.TB, typ tftypes.Type, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("schema type is %T, want an object", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range set {
		vals[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func failOnErrors(t testing.TB, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

// Schema, validation and configuration leave the embedded engine closed: its data dir is not even
// created. The first data source read opens it.
func TestProvider_embeddedEngineOpensOnFirstUse(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "engine")
	t.Cleanup(func() {
		if err := closeEmbeddedEngine(dataDir); err != nil {
			t.Errorf("close the embedded engine: %v", err)
		}
	})
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "GetProviderSchema", schemas.Diagnostics)
	if schemas.ServerCapabilities == nil || !schemas.ServerCapabilities.GetProviderSchemaOptional {
		t.Error("the provider does not let Terraform reuse its cached schema (GetProviderSchemaOptional)")
	}
	config := nullObject(t, schemas.Provider.ValueType(), map[string]tftypes.Value{"data_dir": tftypes.NewValue(tftypes.String, dataDir)})

	validated, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "ValidateProviderConfig", validated.Diagnostics)
	jobsType := schemas.DataSourceSchemas["backup_backup_jobs"].ValueType()
	jobs := nullObject(t, jobsType, nil)
	vd, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "backup_backup_jobs", Config: jobs})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "ValidateDataResourceConfig", vd.Diagnostics)
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "ConfigureProvider", configured.Diagnostics)
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Fatalf("after schema, validation and configuration the data dir exists (stat: %v): the engine was opened before anything needed it", err)
	}

	read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "backup_backup_jobs", Config: jobs})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "ReadDataSource", read.Diagnostics)
	if _, err := os.Stat(filepath.Join(dataDir)); err != nil {
		t.Fatalf("after a data source read the engine's data dir is missing: %v", err)
	}
}

// An engine that cannot open fails the call at once, naming data_dir: the SDK asks for the
// credentials (the engine's key) first, and does not retry that failure with back-off.
func TestProvider_embeddedEngineThatCannotOpenFailsAtOnce(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newLazyEngine(notADir, nil, unconfined, "")
	c := backup.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: l, HTTPClient: &http.Client{Transport: l}},
		func(o *backup.Options) { o.BaseEndpoint = aws.String(engine.InProcessEndpoint) })
	attempts := 0
	_, err := c.ListBackupVaults(context.Background(), &backup.ListBackupVaultsInput{}, func(o *backup.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc("countAttempts",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					attempts++
					return next.HandleFinalize(ctx, in)
				}), "Retry", middleware.After)
		})
	})
	if err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Fatalf("err = %v, want the engine's open failure naming data_dir", err)
	}
	if attempts > 1 {
		t.Errorf("%d attempts: the SDK retried an engine that cannot open", attempts)
	}
}
