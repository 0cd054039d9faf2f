package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// "It may have been deleted outside Terraform" is said only of objects Terraform has in state;
// a create or an action that names a missing object is told to check the name or reference it.
func TestNotFoundHintsOnlyWhereTheyAreTrue(t *testing.T) {
	notFound := fmt.Errorf("op: %w", &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "backup plan p-1 does not exist"})
	var create, read diag.Diagnostics
	addAPIError(&create, "creating backup selection", notFound)
	addStateAPIError(&read, "reading backup selection", notFound)
	c, r := create[0].Detail(), read[0].Detail()
	if strings.Contains(c, "deleted outside Terraform") || !strings.Contains(c, "refer to it through its resource") {
		t.Errorf("create's detail = %q, want the check-or-reference hint and no refresh hint", c)
	}
	if !strings.Contains(r, "deleted outside Terraform") || strings.Contains(r, "refer to it through") {
		t.Errorf("read's detail = %q, want the refresh hint", r)
	}
	for _, d := range []string{c, r} {
		if !strings.HasPrefix(d, "ResourceNotFoundException: backup plan p-1 does not exist") {
			t.Errorf("detail %q does not start with the API's code and message", d)
		}
	}
}

func TestAccSelection_createInAMissingPlanDoesNotBlameTheState(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "orphan"
  plan_id      = "00000000-0000-0000-0000-000000000000"
  iam_role_arn = %q
  resources    = ["*"]
}`, roleARN(env)),
			ExpectError: regexp.MustCompile(`(?s)ResourceNotFoundException.*refer\s+to\s+it\s+through\s+its\s+resource`),
		}},
	})
}
