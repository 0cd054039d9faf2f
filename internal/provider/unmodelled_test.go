package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/strongroom/terraform-provider-backup/internal/engine"
	"github.com/strongroom/terraform-provider-backup/internal/engine/enginetest"
)

// futureMarker in an answer makes the test transport add members the API model does not have,
// as AWS would after adding a field: one at the top and, in a plan, one in its first rule.
const futureMarker = "future-member"

// futureSettingsEngines holds the engines whose settings answers (which carry no name to mark)
// the test transport adds a member to.
var futureSettingsEngines sync.Map

// settingsPaths are the paths of DescribeGlobalSettings and DescribeRegionSettings.
var settingsPaths = map[string]bool{"/global-settings": true, "/account-settings": true}

func init() {
	inner := embeddedTransport
	embeddedTransport = func(e *engine.Engine) http.RoundTripper { return futureMembers{inner(e), e} }
}

type futureMembers struct {
	next   http.RoundTripper
	engine *engine.Engine
}

func (f futureMembers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.next.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	_, settingsMarked := futureSettingsEngines.Load(f.engine)
	marked := bytes.Contains(body, []byte(futureMarker)) || (settingsMarked && settingsPaths[req.URL.Path])
	if marked && json.Unmarshal(body, &doc) == nil {
		doc["FutureMember"] = map[string]any{"Enabled": true}
		if plan, ok := doc["BackupPlan"].(map[string]any); ok {
			if rules, ok := plan["Rules"].([]any); ok && len(rules) > 0 {
				rules[0].(map[string]any)["FutureRuleMember"] = "x"
			}
		}
		body, _ = json.Marshal(doc) // it was just decoded
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

// Every resource whose object comes from the AWS Backup API or the engine's registry (all but
// backup_engine_clock, the record of a clock move, with no remote object), fed an answer with a
// member this provider does not model, keeps the object only as long as it does not rewrite it: a change that
// would update or replace it is refused, naming the member.
func TestAccUnmodelledMembers_aChangeThatWouldDropThemIsRefused(t *testing.T) {
	src := t.TempDir()
	enginetest.WriteTree(t, src, 3)
	restored := t.TempDir()
	var futureDirs []string // directories whose paths carry the marker into registry answers
	for _, name := range []string{"future-member-a", "future-member-b"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		futureDirs = append(futureDirs, dir)
	}
	vault := `
resource "backup_vault" "v" {
  name = "future-member-vault"
}`
	pointAndRestore := func(src, restored string, deleteAfter int, into string) string {
		return vault + fmt.Sprintf(`
resource "backup_protected_resource" "app" {
  type = "EFS"
  path = %q
}
resource "backup_recovery_point" "p" {
  vault_name   = backup_vault.v.name
  resource_arn = backup_protected_resource.app.arn
  delete_after = %d
}
resource "backup_restore_job" "r" {
  recovery_point_arn = backup_recovery_point.p.arn
  metadata = {
    newFileSystem      = "true"
    "destination-path" = %q
  }
}`, src, deleteAfter, filepath.Join(restored, into))
	}
	cases := map[string]struct {
		resource string
		config   func(env *testAccEnv, changed bool) string
	}{
		"backup_plan": {"backup_plan.p", func(env *testAccEnv, changed bool) string {
			return fmt.Sprintf(`
resource "backup_plan" "p" {
  name = "future-member"
  rule {
    rule_name         = "daily"
    target_vault_name = "v1"
    start_window      = %d
  }
}`, map[bool]int{false: 60, true: 120}[changed])
		}},
		"backup_selection": {"backup_selection.s", func(env *testAccEnv, changed bool) string {
			return selectionPlanConfig(env)[len(env.ProviderConfig()):] + fmt.Sprintf(`
resource "backup_selection" "s" {
  name         = "future-member"
  plan_id      = backup_plan.p.id
  iam_role_arn = %q
  resources    = [%q]
}`, roleARN(env), map[bool]string{false: "*", true: "arn:aws:s3:::logs"}[changed])
		}},
		"backup_vault": {"backup_vault.v", func(env *testAccEnv, changed bool) string {
			if changed {
				return `
resource "backup_vault" "v" {
  name = "future-member-renamed"
}`
			}
			return vault
		}},
		"backup_vault_policy": {"backup_vault_policy.p", func(env *testAccEnv, changed bool) string {
			return vault + fmt.Sprintf(`
resource "backup_vault_policy" "p" {
  backup_vault_name = backup_vault.v.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Principal = "*", Action = %q, Resource = "*" }] })
}`, map[bool]string{false: "backup:DeleteRecoveryPoint", true: "backup:DeleteBackupVault"}[changed])
		}},
		"backup_vault_notifications": {"backup_vault_notifications.n", func(env *testAccEnv, changed bool) string {
			return vault + fmt.Sprintf(`
resource "backup_vault_notifications" "n" {
  backup_vault_name   = backup_vault.v.name
  sns_topic_arn       = "arn:aws:sns:us-east-1:%s:backup-events"
  backup_vault_events = [%q]
}`, env.AccountID(), map[bool]string{false: "BACKUP_JOB_COMPLETED", true: "RESTORE_JOB_COMPLETED"}[changed])
		}},
		"backup_vault_lock": {"backup_vault_lock.l", func(env *testAccEnv, changed bool) string {
			return vault + fmt.Sprintf(`
resource "backup_vault_lock" "l" {
  backup_vault_name  = backup_vault.v.name
  min_retention_days = %d
}`, map[bool]int{false: 1, true: 2}[changed])
		}},
		"backup_logically_air_gapped_vault": {"backup_logically_air_gapped_vault.a", func(env *testAccEnv, changed bool) string {
			return fmt.Sprintf(`
resource "backup_logically_air_gapped_vault" "a" {
  name               = "future-member-isolated"
  min_retention_days = 7
  max_retention_days = %d
}`, map[bool]int{false: 35, true: 36}[changed])
		}},
		"backup_legal_hold": {"backup_legal_hold.h", func(env *testAccEnv, changed bool) string {
			return fmt.Sprintf(`
resource "backup_legal_hold" "h" {
  title              = "future-member"
  description        = %q
  cancel_description = "test over"
}`, map[bool]string{false: "held", true: "held longer"}[changed])
		}},
		"backup_protected_resource": {"backup_protected_resource.d", func(env *testAccEnv, changed bool) string {
			return fmt.Sprintf(`
resource "backup_protected_resource" "d" {
  type = "EFS"
  path = %q
}`, map[bool]string{false: futureDirs[0], true: futureDirs[1]}[changed])
		}},
		"backup_recovery_point": {"backup_recovery_point.p", func(env *testAccEnv, changed bool) string {
			return pointAndRestore(src, restored, map[bool]int{false: 30, true: 31}[changed], "for-point")
		}},
		"backup_framework": {"backup_framework.test", func(env *testAccEnv, changed bool) string {
			return frameworkConfig(env, map[bool]string{false: "future-member", true: "future-member, revised"}[changed], "35")[len(env.ProviderConfig()):]
		}},
		"backup_report_plan": {"backup_report_plan.test", func(env *testAccEnv, changed bool) string {
			return reportPlanConfig(env, "", map[bool]string{false: "future-member", true: "future-member, revised"}[changed])[len(env.ProviderConfig()):]
		}},
		"backup_restore_testing_plan": {"backup_restore_testing_plan.p", func(env *testAccEnv, changed bool) string {
			return futureRestoreTestingPlan(map[bool]int{false: 7, true: 8}[changed])
		}},
		"backup_restore_testing_selection": {"backup_restore_testing_selection.s", func(env *testAccEnv, changed bool) string {
			return futureRestoreTestingPlan(7) + restoreTestingSelectionConfig("future", fmt.Sprintf(`  protected_resource_arns = ["*"]
  protected_resource_conditions {
    string_equals {
      key   = "Team"
      value = %q
    }
  }
  depends_on = [backup_restore_testing_plan.p]`, map[bool]string{false: "future-member", true: "future-member-2"}[changed]))
		}},
		"backup_restore_job": {"backup_restore_job.r", func(env *testAccEnv, changed bool) string {
			return pointAndRestore(src, restored, 30, map[bool]string{false: "for-job", true: "for-job-2"}[changed])
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			caseEnv := newTestAccEnv(t) // one engine per case: the cases reuse names
			config := func(changed bool) string { return caseEnv.ProviderConfig() + tc.config(caseEnv, changed) }
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: config(false)},
					{
						Config: config(true),
						ExpectError: regexp.MustCompile(`(?s)This change would drop fields the provider does not model\s+with ` +
							regexp.QuoteMeta(tc.resource) + `.*FutureMember`),
					},
				},
			})
		})
	}
}

// futureRestoreTestingPlan is the restore testing plan "weekly", whose vault ARN carries the
// marker into its answers, with a selection window of days.
func futureRestoreTestingPlan(days int) string {
	return restoreTestingPlanConfig("weekly", fmt.Sprintf(`  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = ["arn:aws:backup:us-east-1:123456789012:backup-vault:future-member"]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = %d
  }`, days))
}

// The refusal names nested members, and leaves alone what does not rewrite the object: a
// change of tags only.
func TestAccUnmodelledMembers_planNamesNestedMembersAndAllowsTagChanges(t *testing.T) {
	env := newTestAccEnv(t)
	config := func(startWindow int, tags string) string {
		return env.ProviderConfig() + fmt.Sprintf(`
resource "backup_plan" "p" {
  name = "future-member"
  tags = { %s }
  rule {
    rule_name         = "daily"
    target_vault_name = "v1"
    start_window      = %d
  }
}`, tags, startWindow)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(60, `team = "a"`)},
			{
				Config:      config(90, `team = "a"`),
				ExpectError: regexp.MustCompile(`(?s)BackupPlan\.Rules\[0\]\.FutureRuleMember,\s+FutureMember.*Changing\s+rule\s+would`),
			},
			{
				Config: config(60, `team = "b"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("backup_plan.p", plancheck.ResourceActionUpdate),
				}},
			},
		},
	})
}

// modelAnswers is exactly the model's answers (the service-2.json the engine embeds): a model
// update that adds a member fails here, so whoever updates it decides whether the resources
// model the member before it joins the table.
func TestModelAnswersAreTheModels(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "engine", "api", "model", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Operations map[string]struct {
			Output struct{ Shape string } `json:"output"`
		} `json:"operations"`
		Shapes map[string]struct {
			Type    string                            `json:"type"`
			Members map[string]struct{ Shape string } `json:"members"`
			Member  struct{ Shape string }            `json:"member"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &model); err != nil {
		t.Fatal(err)
	}
	var walk func(shape, prefix string, out *[]string)
	walk = func(shape, prefix string, out *[]string) {
		s := model.Shapes[shape]
		switch s.Type {
		case "structure":
			for name, m := range s.Members {
				p := name
				if prefix != "" {
					p = prefix + "." + name
				}
				walk(m.Shape, p, out)
			}
		case "list":
			walk(s.Member.Shape, prefix+"[]", out)
		case "map":
			*out = append(*out, prefix+"{}")
		default:
			*out = append(*out, prefix)
		}
	}
	for op, listed := range modelAnswers {
		o, ok := model.Operations[op]
		if !ok {
			t.Errorf("%s is no operation of the model", op)
			continue
		}
		var members []string
		walk(o.Output.Shape, "", &members)
		sort.Strings(members)
		got := slices.Sorted(slices.Values(listed))
		if !slices.Equal(members, got) {
			t.Errorf("modelAnswers[%s] = %q, the model's answer has %q", op, got, members)
		}
	}
}

func TestUnmodelledNamesEveryUnknownMemberByPath(t *testing.T) {
	_, rec := watchAnswers(t.Context())
	rec.answers["GetBackupPlan"] = [][]byte{[]byte(`{"BackupPlanId":"p","BackupPlan":{"BackupPlanName":"n","Rules":[{"RuleName":"a"},
		{"RuleName":"b","Lifecycle":{"DeleteAfterDays":1,"Archive":true},"RecoveryPointTags":{"any":"key"}}],"Extra":[1]},"Top":null}`)}
	rec.answers["GetBackupSelection"] = [][]byte{[]byte(`{"SelectionId":"s","Other":1}`)}
	got := rec.unmodelled("GetBackupPlan")
	want := []string{"BackupPlan.Extra", "BackupPlan.Rules[1].Lifecycle.Archive", "Top"}
	if !slices.Equal(got, want) {
		t.Errorf("unmodelled = %q, want %q (tags are data, and only the named operation counts)", got, want)
	}
}

// The settings' answers are maps of data: a flag or resource type the service adds is no new
// member, but a member beside the maps is.
func TestUnmodelledTreatsSettingsMapsAsData(t *testing.T) {
	_, rec := watchAnswers(t.Context())
	rec.answers["DescribeGlobalSettings"] = [][]byte{[]byte(`{"GlobalSettings":{"isNewFlagEnabled":"true"},"LastUpdateTime":1.7e9,"Scope":{"Org":true}}`)}
	rec.answers["DescribeRegionSettings"] = [][]byte{[]byte(`{"ResourceTypeOptInPreference":{"NewType":true},"ResourceTypeManagementPreference":{"NewType":false},"Tiering":[1]}`)}
	if got, want := rec.unmodelled("DescribeGlobalSettings"), []string{"Scope"}; !slices.Equal(got, want) {
		t.Errorf("global settings: unmodelled = %q, want %q", got, want)
	}
	if got, want := rec.unmodelled("DescribeRegionSettings"), []string{"Tiering"}; !slices.Equal(got, want) {
		t.Errorf("region settings: unmodelled = %q, want %q", got, want)
	}
}

// The settings resources' reads warn about a member beside their maps, naming it, and refuse no
// plan for it (their updates are partial).
func TestUnmodelledSettingsMembersAreWarnedAbout(t *testing.T) {
	env := newTestAccEnv(t)
	futureSettingsEngines.Store(env.Engine, true)
	t.Cleanup(func() { futureSettingsEngines.Delete(env.Engine) })
	p := newProtoProvider(t, env)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	for typ, attrs := range map[string]map[string]tftypes.Value{
		"backup_global_settings": {"id": str("global"), "global_settings": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String},
			map[string]tftypes.Value{"isCrossAccountBackupEnabled": str("true")})},
		"backup_region_settings": {"id": str("us-east-1"), "resource_type_opt_in_preference": tftypes.NewValue(tftypes.Map{ElementType: tftypes.Bool},
			map[string]tftypes.Value{"EFS": tftypes.NewValue(tftypes.Bool, true)})},
	} {
		state := p.value(p.schema.ResourceSchemas[typ], attrs)
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: typ, CurrentState: &state})
		if err != nil {
			t.Fatal(err)
		}
		text := diagText(resp.Diagnostics)
		if hasErrors(resp.Diagnostics) || len(resp.Diagnostics) != 1 || !strings.Contains(text, "FutureMember") || !strings.Contains(text, typ) {
			t.Errorf("%s: want one warning naming FutureMember, got:\n%s", typ, text)
		}
	}
}
