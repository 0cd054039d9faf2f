package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

func vaultNotificationsConfig(env *testAccEnv, topic string, events ...string) string {
	return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "test" {
  name = "noisy-vault"
}

resource "backup_vault_notifications" "test" {
  backup_vault_name   = backup_vault.test.name
  sns_topic_arn       = %q
  backup_vault_events = ["%s"]
}
`, topic, strings.Join(events, `", "`))
}

func TestAccVaultNotifications_updatesInPlaceAndImportsClean(t *testing.T) {
	env := newTestAccEnv(t)
	topic := "arn:aws:sns:us-east-1:" + env.AccountID() + ":backup-events"
	other := "arn:aws:sns:us-east-1:" + env.AccountID() + ":backup-alarms"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultNotificationsConfig(env, topic, "BACKUP_JOB_FAILED", "RESTORE_JOB_COMPLETED"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_vault_notifications.test", tfjsonpath.New("id"), knownvalue.StringExact("noisy-vault")),
					statecheck.ExpectKnownValue("backup_vault_notifications.test", tfjsonpath.New("backup_vault_arn"),
						knownvalue.StringExact("arn:aws:backup:us-east-1:"+env.AccountID()+":backup-vault:noisy-vault")),
					statecheck.ExpectKnownValue("backup_vault_notifications.test", tfjsonpath.New("backup_vault_events"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("BACKUP_JOB_FAILED"), knownvalue.StringExact("RESTORE_JOB_COMPLETED"),
					})),
				},
				Check: testAccCheckRemoteNotifications(env, "noisy-vault", topic+" BACKUP_JOB_FAILED,RESTORE_JOB_COMPLETED"),
			},
			{
				ResourceName: "backup_vault_notifications.test", ImportState: true, ImportStateId: "noisy-vault", ImportStateVerify: true,
			},
			{
				ResourceName: "backup_vault_notifications.test", ImportState: true, ImportStateId: "noisy-vault",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				// Another topic and other events: in place, not a replacement.
				Config: vaultNotificationsConfig(env, other, "COPY_JOB_FAILED", "BACKUP_JOB_FAILED", "RECOVERY_POINT_MODIFIED"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_notifications.test", plancheck.ResourceActionUpdate),
				}},
				Check: testAccCheckRemoteNotifications(env, "noisy-vault", other+" COPY_JOB_FAILED,BACKUP_JOB_FAILED,RECOVERY_POINT_MODIFIED"),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			_, err := awsbackup.FindVaultNotifications(context.Background(), env.Client, "noisy-vault")
			if awsbackup.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("notification configuration still there (err %v)", err)
		},
	})
}

func TestAccVaultNotifications_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	topic := "arn:aws:sns:us-east-1:" + env.AccountID() + ":backup-events"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: vaultNotificationsConfig(env, topic, "BACKUP_JOB_COMPLETED"),
				Check: func(*terraform.State) error {
					_, err := env.Client.DeleteBackupVaultNotifications(context.Background(), &backup.DeleteBackupVaultNotificationsInput{BackupVaultName: aws.String("noisy-vault")})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: vaultNotificationsConfig(env, topic, "BACKUP_JOB_COMPLETED"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_vault_notifications.test", plancheck.ResourceActionCreate),
				}},
				Check: testAccCheckRemoteNotifications(env, "noisy-vault", topic+" BACKUP_JOB_COMPLETED"),
			},
		},
	})
}

func TestAccVaultNotifications_invalidConfigurationIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	cases := map[string]struct {
		config string
		want   *regexp.Regexp
	}{
		"unknown event": {vaultNotificationsConfig(env, "arn:aws:sns:us-east-1:123456789012:t", "BACKUP_JOB_FAILED", "BACKUP_JOB_EXPLODED"),
			regexp.MustCompile(`value must be one of:[\s\S]*BACKUP_JOB_EXPLODED`)},
		"SQS queue for a topic": {vaultNotificationsConfig(env, "arn:aws:sqs:us-east-1:123456789012:q", "BACKUP_JOB_FAILED"),
			regexp.MustCompile(`must be an SNS topic ARN`)},
		"no events": {strings.Replace(vaultNotificationsConfig(env, "arn:aws:sns:us-east-1:123456789012:t", "X"), `["X"]`, `[]`, 1),
			regexp.MustCompile(`backup_vault_events list must contain at least 1 elements`)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config, PlanOnly: true, ExpectError: tc.want}},
			})
		})
	}
}

// testAccCheckRemoteNotifications compares a vault's notifications with "TOPIC EVENT,EVENT,…".
func testAccCheckRemoteNotifications(env *testAccEnv, vault, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := awsbackup.FindVaultNotifications(context.Background(), env.Client, vault)
		if err != nil {
			return err
		}
		var events []string
		for _, e := range out.BackupVaultEvents {
			events = append(events, string(e))
		}
		if got := aws.ToString(out.SNSTopicArn) + " " + strings.Join(events, ","); got != want {
			return fmt.Errorf("remote notifications of %s: %s, want %s", vault, got, want)
		}
		return nil
	}
}
