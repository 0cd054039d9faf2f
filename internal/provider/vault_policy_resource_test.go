package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
)

func vaultPolicyConfig(env *testAccEnv, policy string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "test" {
  name = "guarded-vault"
}

resource "backup_vault_policy" "test" {
  backup_vault_name = backup_vault.test.name
  policy            = %s
}
`, policy)
}

// The policy as jsonencode writes it, and three spellings IAM treats as the same document.
const (
	policyJSONEncode = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "NoDeletes"
      Effect    = "Deny"
      Principal = { AWS = "*" }
      Action    = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"]
      Resource  = "*"
    }]
  })`
	// Other key order, whitespace, the list of actions reordered, and single strings as lists.
	policyHeredocEquivalent = `<<-EOT
    {
      "Statement": {
        "Resource": ["*"],
        "Principal": {"AWS": ["*"]},
        "Action": [
          "backup:UpdateRecoveryPointLifecycle",
          "backup:DeleteRecoveryPoint"
        ],
        "Effect": "Deny",
        "Sid": "NoDeletes"
      },
      "Version": "2012-10-17"
    }
  EOT`
	policyChanged = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "NoDeletes"
      Effect    = "Deny"
      Principal = { AWS = "*" }
      Action    = "backup:DeleteRecoveryPoint"
      Resource  = "*"
    }]
  })`
)

func TestAccVaultPolicy_equivalentPoliciesNeverDiff(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultPolicyConfig(env, policyJSONEncode),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_policy.test", tfjsonpath.New("id"), knownvalue.StringExact("guarded-vault")),
					statecheck.ExpectKnownValue("backup_vault_policy.test", tfjsonpath.New("backup_vault_arn"),
						knownvalue.StringExact("arn:aws:backup:us-east-1:"+env.AccountID()+":backup-vault:guarded-vault")),
				},
				Check: testAccCheckRemotePolicyContains(env, "guarded-vault", `"backup:UpdateRecoveryPointLifecycle"`),
			},
			{
				// The same policy spelt differently plans nothing.
				Config: vaultPolicyConfig(env, policyHeredocEquivalent),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				ResourceName: "backup_vault_policy.test", ImportState: true, ImportStateId: "guarded-vault", ImportStateVerify: true,
			},
			{
				ResourceName: "backup_vault_policy.test", ImportState: true, ImportStateId: "guarded-vault",
				ImportStateKind: resource.ImportBlockWithID,
				Config:          vaultPolicyConfig(env, policyHeredocEquivalent),
			},
			{
				// A real change updates the policy in place.
				Config: vaultPolicyConfig(env, policyChanged),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_policy.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					testAccCheckRemotePolicyContains(env, "guarded-vault", `"Action":"backup:DeleteRecoveryPoint"`),
					testAccCheckRemotePolicyLacks(env, "guarded-vault", "UpdateRecoveryPointLifecycle"),
				),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := awsbackup.FindVaultAccessPolicy(context.Background(), env.Client, "guarded-vault")
			if awsbackup.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("access policy still there (err %v)", err)
		},
	})
}

func TestAccVaultPolicy_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultPolicyConfig(env, policyJSONEncode),
				Check: func(*terraform.State) error {
					_, err := env.Client.DeleteBackupVaultAccessPolicy(context.Background(), &backup.DeleteBackupVaultAccessPolicyInput{BackupVaultName: aws.String("guarded-vault")})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: vaultPolicyConfig(env, policyJSONEncode),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_policy.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccCheckRemotePolicyContains(env, "guarded-vault", "NoDeletes"),
			},
		},
	})
}

func TestAccVaultPolicy_badPoliciesAreRefusedWithTheFault(t *testing.T) {
	env := newTestAccEnv(t)
	cases := map[string]struct {
		policy   string
		planOnly bool
		want     *regexp.Regexp
	}{
		// Caught at plan time, before any API call, by the engine's own policy rules, which name
		// the faulty element.
		"not JSON": {`"{\"Version\": \"2012-10-17\", \"Statement\": ["`, true, regexp.MustCompile(`Invalid access policy[\s\S]*is\s+not\s+valid\s+JSON`)},
		"a list":   {`"[]"`, true, regexp.MustCompile(`must\s+be\s+a\s+JSON\s+object\s+with\s+Version\s+and\s+Statement`)},
		"bad effect": {`jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Permit", Principal = "*", Action = "backup:*", Resource = "*" }] })`, true,
			regexp.MustCompile(`InvalidParameterValueException[\s\S]*Statement\[0\]\.Effect must be "Allow" or "Deny", got "Permit"`)},
		"another service's action": {`jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:DeleteObject", Resource = "*" }] })`, true,
			regexp.MustCompile(`Statement\[0\]\.Action "s3:DeleteObject" is not an AWS Backup action`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault_policy" "test" {
  backup_vault_name = %q
  policy            = %s
}`, "v-"+regexp.MustCompile(`[^a-z]`).ReplaceAllString(name, "-"), tc.policy),
					PlanOnly:    tc.planOnly,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

func testAccCheckRemotePolicyContains(env *testAccEnv, vault, fragment string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := awsbackup.FindVaultAccessPolicy(context.Background(), env.Client, vault)
		if err != nil {
			return err
		}
		if !regexp.MustCompile(regexp.QuoteMeta(fragment)).MatchString(aws.ToString(out.Policy)) {
			return fmt.Errorf("remote policy %s does not contain %s", aws.ToString(out.Policy), fragment)
		}
		return nil
	}
}

func testAccCheckRemotePolicyLacks(env *testAccEnv, vault, fragment string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := awsbackup.FindVaultAccessPolicy(context.Background(), env.Client, vault)
		if err != nil {
			return err
		}
		if regexp.MustCompile(regexp.QuoteMeta(fragment)).MatchString(aws.ToString(out.Policy)) {
			return fmt.Errorf("remote policy %s still contains %s", aws.ToString(out.Policy), fragment)
		}
		return nil
	}
}
