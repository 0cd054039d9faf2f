package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/strongroom/terraform-provider-backup/internal/awsbackup"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

var legalHoldARN = regexp.MustCompile(`^arn:aws:backup:us-east-1:[0-9]{12}:legal-hold:[0-9a-f-]{36}$`)

// The resource's whole life: a hold over a vault's real recovery point keeps the point from being
// deleted, shows in both data sources and filters backup_recovery_points; it imports without a
// diff, changes its tags and cancel_description in place, is replaced when its title changes, and
// destroying it cancels it with cancel_description — before the vault is force-destroyed, which
// then can delete the point.
func TestAccLegalHold_holdsImportsUpdatesAndCancelsOnDestroy(t *testing.T) {
	env := newTestAccEnv(t)
	src := filepath.Join(t.TempDir(), "ledger")
	enginetest.WriteTree(t, src, 21)
	config := func(title, tags, cancel string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_protected_resource" "ledger" {
  type = "EFS"
  path = %q
}

resource "backup_vault" "evidence" {
  name          = "evidence-vault"
  force_destroy = true
}

resource "backup_recovery_point" "q1" {
  vault_name   = backup_vault.evidence.name
  resource_arn = backup_protected_resource.ledger.arn
}

resource "backup_legal_hold" "case" {
  title       = %q
  description = "SEC inquiry 2024-17: preserve the ledger backups"
  recovery_point_selection = {
    vault_names          = [backup_vault.evidence.name]
    resource_identifiers = [backup_protected_resource.ledger.arn]
  }
  cancel_description    = %q
  retain_record_in_days = 7
  tags                  = %s
  depends_on            = [backup_recovery_point.q1]
}

data "backup_legal_hold" "case" {
  legal_hold_id = backup_legal_hold.case.id
}

data "backup_legal_holds" "active" {
  status     = "ACTIVE"
  depends_on = [backup_legal_hold.case]
}

data "backup_recovery_points" "held" {
  legal_hold_id = backup_legal_hold.case.id
}
`, src, title, cancel, tags)
	}
	var holdIDs []string
	recordHold := func(s *terraform.State) error {
		id := s.RootModule().Resources["backup_legal_hold.case"].Primary.ID
		if len(holdIDs) == 0 || holdIDs[len(holdIDs)-1] != id {
			holdIDs = append(holdIDs, id)
		}
		return nil
	}
	pointIsHeld := func(s *terraform.State) error {
		point := s.RootModule().Resources["backup_recovery_point.q1"].Primary.Attributes["arn"]
		_, err := env.Client.DeleteRecoveryPoint(context.Background(), &backup.DeleteRecoveryPointInput{BackupVaultName: aws.String("evidence-vault"), RecoveryPointArn: aws.String(point)})
		if awsbackup.ErrorCode(err) != "InvalidRequestException" || !strings.Contains(awsbackup.ErrorMessage(err), "active legal hold(s)") {
			return fmt.Errorf("deleting the held point: %v; want InvalidRequestException about the legal hold", err)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config("case-2024-17", `{ matter = "2024-17" }`, "Inquiry closed"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("arn"), knownvalue.StringRegexp(legalHoldARN)),
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("creation_date"), knownvalue.StringRegexp(regexp.MustCompile(`^20\d\d-`))),
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("recovery_point_selection").AtMapKey("vault_names"),
						knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("evidence-vault")})),
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("recovery_point_selection").AtMapKey("date_range"), knownvalue.Null()),
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{"matter": knownvalue.StringExact("2024-17")})),
					statecheck.ExpectKnownValue("data.backup_legal_hold.case", tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectKnownValue("data.backup_legal_hold.case", tfjsonpath.New("recovery_point_arns"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.backup_legal_hold.case", tfjsonpath.New("cancel_description"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.backup_legal_hold.case", tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{"matter": knownvalue.StringExact("2024-17")})),
					statecheck.ExpectKnownValue("data.backup_legal_holds.active", tfjsonpath.New("legal_holds"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.backup_legal_holds.active", tfjsonpath.New("legal_holds").AtSliceIndex(0).AtMapKey("title"), knownvalue.StringExact("case-2024-17")),
					statecheck.ExpectKnownValue("data.backup_recovery_points.held", tfjsonpath.New("recovery_points"), knownvalue.ListSizeExact(1)),
				},
				Check: resource.ComposeTestCheckFunc(
					recordHold, pointIsHeld,
					resource.TestCheckResourceAttrPair("data.backup_legal_hold.case", "recovery_point_arns.0", "backup_recovery_point.q1", "arn"),
					resource.TestCheckResourceAttrPair("data.backup_recovery_points.held", "arns.0", "backup_recovery_point.q1", "arn"),
					resource.TestCheckResourceAttrPair("data.backup_legal_holds.active", "ids.0", "backup_legal_hold.case", "id"),
				),
			},
			{
				ResourceName:            "backup_legal_hold.case",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"cancel_description", "retain_record_in_days"},
			},
			{
				Config: config("case-2024-17", `{ matter = "2024-17", owner = "legal" }`, "Inquiry closed by the SEC"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_legal_hold.case", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("cancel_description"), knownvalue.StringExact("Inquiry closed by the SEC")),
					statecheck.ExpectKnownValue("backup_legal_hold.case", tfjsonpath.New("tags_all"), knownvalue.MapSizeExact(2)),
				},
				Check: resource.ComposeTestCheckFunc(recordHold, pointIsHeld),
			},
			{
				Config: config("case-2024-17-amended", `{ matter = "2024-17", owner = "legal" }`, "Inquiry closed by the SEC"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_legal_hold.case", plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeTestCheckFunc(recordHold, pointIsHeld),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if len(holdIDs) != 2 {
				return fmt.Errorf("saw holds %v, want 2 (the original and its replacement)", holdIDs)
			}
			for _, id := range holdIDs {
				got, err := env.Client.GetLegalHold(context.Background(), &backup.GetLegalHoldInput{LegalHoldId: aws.String(id)})
				if err != nil {
					return fmt.Errorf("legal hold %s: %v", id, err)
				}
				if got.Status != backuptypes.LegalHoldStatusCanceled || aws.ToString(got.CancelDescription) != "Inquiry closed by the SEC" {
					return fmt.Errorf("legal hold %s after destroy: %s %q; want CANCELED with the cancel_description", id, got.Status, aws.ToString(got.CancelDescription))
				}
				if kept := got.RetainRecordUntil.Sub(*got.CancellationDate); kept != 7*24*time.Hour {
					return fmt.Errorf("legal hold %s record kept %v after cancellation, want retain_record_in_days = 7", id, kept)
				}
			}
			if _, err := awsbackup.FindVaultByName(context.Background(), env.Client, "evidence-vault"); !awsbackup.IsNotFound(err) {
				return fmt.Errorf("the vault survived destroy (force_destroy after the hold was cancelled): %v", err)
			}
			return nil
		},
	})
}

// A hold cancelled outside Terraform no longer holds anything: the next plan creates a new one.
func TestAccLegalHold_disappears(t *testing.T) {
	env := newTestAccEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + `
resource "backup_legal_hold" "all" {
  title              = "everything"
  description        = "hold every recovery point of the region"
  cancel_description = "done"
}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("backup_legal_hold.all", tfjsonpath.New("recovery_point_selection"), knownvalue.Null()),
			},
			Check: func(s *terraform.State) error {
				id := s.RootModule().Resources["backup_legal_hold.all"].Primary.ID
				_, err := env.Client.CancelLegalHold(context.Background(), &backup.CancelLegalHoldInput{LegalHoldId: aws.String(id), CancelDescription: aws.String("released by hand")})
				return err
			},
			ExpectNonEmptyPlan: true,
		}},
	})
}

// A date range written with an offset reads back as written (no diff), and the hold covers the
// points created in it.
func TestAccLegalHold_dateRangeReadsBackAsWritten(t *testing.T) {
	env := newTestAccEnv(t)
	to := time.Now().Add(-time.Minute).Truncate(time.Second).In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderConfig() + fmt.Sprintf(`
resource "backup_vault" "v" {
  name = "dated"
}

resource "backup_legal_hold" "dated" {
  title       = "q1"
  description = "first quarter"
  recovery_point_selection = {
    vault_names = [backup_vault.v.name]
    date_range = {
      from_date = "2024-01-01T02:00:00+02:00"
      to_date   = %q
    }
  }
  cancel_description = "quarter closed"
}`, to),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("backup_legal_hold.dated", tfjsonpath.New("recovery_point_selection").AtMapKey("date_range").AtMapKey("from_date"),
					knownvalue.StringExact("2024-01-01T02:00:00+02:00")),
				statecheck.ExpectKnownValue("backup_legal_hold.dated", tfjsonpath.New("recovery_point_selection").AtMapKey("date_range").AtMapKey("to_date"),
					knownvalue.StringExact(to)),
			},
		}},
	})
}

// What would only fail at destroy, or at apply, is caught at plan time with a message that says
// what to write.
func TestAccLegalHold_invalidConfigIsCaughtAtPlan(t *testing.T) {
	env := newTestAccEnv(t)
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	cases := []struct {
		name, body string
		want       *regexp.Regexp
	}{
		{"no cancel_description", `
  title       = "t"
  description = "d"`, regexp.MustCompile(`(?s)Missing cancel_description.*refuses\s+to\s+cancel\s+a\s+hold\s+without\s+a.*cancel_description = "Matter 2024-17 closed`)},
		{"blank cancel_description", `
  title              = "t"
  description        = "d"
  cancel_description = "   "`, regexp.MustCompile(`(?s)Invalid cancel_description.*MissingParameterValueException:\s+cancel_description\s+is\s+required\s+and\s+must\s+not\s+be\s+blank`)},
		{"future date range", fmt.Sprintf(`
  title              = "t"
  description        = "d"
  cancel_description = "c"
  recovery_point_selection = {
    date_range = { from_date = "2024-01-01T00:00:00Z", to_date = %q }
  }`, future), regexp.MustCompile(`(?s)Date range in the future.*covers\s+only\s+recovery\s+points\s+that\s+already\s+exist`)},
		{"date range backwards", `
  title              = "t"
  description        = "d"
  cancel_description = "c"
  recovery_point_selection = {
    date_range = { from_date = "2024-02-01T00:00:00Z", to_date = "2024-01-01T00:00:00Z" }
  }`, regexp.MustCompile(`(?s)Empty date range.*swap them`)},
		{"empty selection", `
  title                    = "t"
  description              = "d"
  cancel_description       = "c"
  recovery_point_selection = {}`, regexp.MustCompile(`(?s)Empty recovery_point_selection.*leave\s+recovery_point_selection\s+out`)},
		{"description too long", fmt.Sprintf(`
  title              = "t"
  description        = %q
  cancel_description = "c"`, strings.Repeat("x", 281)), regexp.MustCompile(`(?s)description.*length must be between 1 and 280`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      env.ProviderConfig() + "resource \"backup_legal_hold\" \"x\" {" + tc.body + "\n}\n",
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
}
