package resources

import (
	"strings"
	"testing"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// A resource type the engine has no connector for is refused naming the types it has; a missing
// one is a missing parameter.
func TestSetConnectorNamesTheTypesThereAre(t *testing.T) {
	set := Set{TypeEFS: EFS{}, TypeS3: S3{}}
	if c, err := set.Connector(TypeEFS); err != nil || c.Type() != TypeEFS {
		t.Fatalf("Connector(EFS) = %v, %v", c, err)
	}
	_, err := set.Connector("DynamoDB")
	if e, ok := apierr.As(err); !ok || e.Code != apierr.InvalidParameterValue || !strings.Contains(e.Message, "EFS, S3") {
		t.Errorf("Connector(DynamoDB) = %v, want InvalidParameterValueException naming EFS, S3", err)
	}
	_, err = set.Connector("")
	if e, ok := apierr.As(err); !ok || e.Code != apierr.MissingParameterValue {
		t.Errorf("Connector(\"\") = %v, want MissingParameterValueException", err)
	}
}
