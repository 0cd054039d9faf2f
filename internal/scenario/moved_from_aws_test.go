package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Migrating from the AWS provider with `moved` blocks, through the real terraform CLI (1.8 or
// later moves across providers) and OpenTofu: a state that holds each aws_backup_* resource as
// hashicorp/aws writes it plans no changes once the configuration names backup_* and moves them.
//
// The state is written by hand. Its shape (every attribute and block, the schema version) comes
// from the AWS provider state fixtures in internal/provider/testdata/moved, built from
// hashicorp/aws's schema at v5.100.0 and v6.47.0; its values are those of real objects, which
// this provider created in the engine first. Terraform refuses a state that needs a provider it
// has not installed, even if only to move out of it, and the tests cannot download
// hashicorp/aws: a dev override points hashicorp/aws at a stand-in binary (this provider's), which
// the move never calls. Each tool names the AWS provider in the state by its own registry host.

const migrationConfig = `
terraform {
  required_providers {
    backup = { source = "strongroom/backup" }
  }
}

locals {
  account = split(":", backup_vault.primary.arn)[4]
}

resource "backup_vault" "primary" {
  name          = "moved-vault"
  force_destroy = true
  tags          = { team = "platform" }
}

resource "backup_vault_lock" "primary" {
  backup_vault_name  = backup_vault.primary.name
  min_retention_days = 7
  max_retention_days = 120
}

resource "backup_vault_policy" "primary" {
  backup_vault_name = backup_vault.primary.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "denyDelete", Effect = "Deny", Principal = { AWS = "*" }, Action = "backup:DeleteRecoveryPoint", Resource = "*" }]
  })
}

resource "backup_vault_notifications" "primary" {
  backup_vault_name   = backup_vault.primary.name
  sns_topic_arn       = "arn:aws:sns:us-east-1:${local.account}:backup-events"
  backup_vault_events = ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"]
}

resource "backup_logically_air_gapped_vault" "isolated" {
  name               = "moved-airgapped"
  min_retention_days = 7
  max_retention_days = 90
  tags               = { team = "platform" }
}

resource "backup_plan" "daily" {
  name = "moved-plan"
  tags = { team = "platform" }

  rule {
    rule_name         = "daily"
    target_vault_name = backup_vault.primary.name
    schedule          = "cron(0 5 ? * * *)"
    start_window      = 60
    completion_window = 180

    lifecycle {
      delete_after = 35
    }
  }
}

resource "backup_selection" "tagged" {
  name         = "moved-selection"
  plan_id      = backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::${local.account}:role/backup"

  selection_tag {
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "true"
  }
}
`

// migrationSources is each resource of migrationConfig, with the AWS resource it moves from
// and the AWS provider version whose state shape stands in for it (both major versions).
var migrationSources = []struct{ target, source, version string }{
	{"backup_vault.primary", "aws_backup_vault", "v5.100.0"},
	{"backup_vault_lock.primary", "aws_backup_vault_lock_configuration", "v6.47.0"},
	{"backup_vault_policy.primary", "aws_backup_vault_policy", "v5.100.0"},
	{"backup_vault_notifications.primary", "aws_backup_vault_notifications", "v6.47.0"},
	{"backup_logically_air_gapped_vault.isolated", "aws_backup_logically_air_gapped_vault", "v6.47.0"},
	{"backup_plan.daily", "aws_backup_plan", "v6.47.0"},
	{"backup_selection.tagged", "aws_backup_selection", "v5.100.0"},
}

func TestMovedFromAWS_terraformPlansNoChangesAfterTheMove(t *testing.T) {
	parallel(t)
	checkMovedFromAWS(t, terraformCLI(t), "registry.terraform.io")
}

func TestMovedFromAWS_openTofuPlansNoChangesAfterTheMove(t *testing.T) {
	parallel(t)
	checkMovedFromAWS(t, tofuCLI(t), "registry.opentofu.org")
}

// checkMovedFromAWS moves every counterpart with tool, whose state names the AWS provider on
// registry host.
func checkMovedFromAWS(t *testing.T, tool tfTool, registry string) {
	standIn := t.TempDir()
	placeBinary(t, filepath.Join(standIn, "terraform-provider-aws"))
	w := newCLIWorkspace(t, tool, "", map[string]string{"hashicorp/aws": standIn})
	writeModuleFile(t, filepath.Join(w.Dir, "main.tf"), migrationConfig)
	w.MustRun("apply", "-no-color", "-input=false", "-auto-approve")

	// The state as hashicorp/aws would hold the same objects.
	var state map[string]any
	statePath := filepath.Join(w.Dir, "terraform.tfstate")
	readJSON(t, statePath, &state)
	ours := map[string]map[string]any{}
	for _, r := range state["resources"].([]any) {
		r := r.(map[string]any)
		inst := r["instances"].([]any)[0].(map[string]any)
		ours[r["type"].(string)+"."+r["name"].(string)] = inst["attributes"].(map[string]any)
	}
	var resources []any
	var moves strings.Builder
	for _, m := range migrationSources {
		attrs, ok := ours[m.target]
		if !ok {
			t.Fatalf("the apply left no %s in the state", m.target)
		}
		var fixture struct {
			SchemaVersion int64          `json:"schema_version"`
			Attributes    map[string]any `json:"attributes"`
		}
		readJSON(t, filepath.Join("..", "provider", "testdata", "moved", m.source+"."+m.version+".json"), &fixture)
		name := strings.SplitN(m.target, ".", 2)[1]
		resources = append(resources, map[string]any{
			"mode": "managed", "type": m.source, "name": name,
			"provider": `provider["` + registry + `/hashicorp/aws"]`,
			"instances": []any{map[string]any{
				"schema_version": fixture.SchemaVersion, "attributes": shapedLike(fixture.Attributes, attrs),
				"sensitive_attributes": []any{}, "private": "bnVsbA==",
			}},
		})
		fmt.Fprintf(&moves, "\nmoved {\n  from = %s.%s\n  to   = %s\n}\n", m.source, name, m.target)
	}
	state["resources"] = resources
	state["serial"] = state["serial"].(float64) + 1
	writeJSON(t, statePath, state)
	writeModuleFile(t, filepath.Join(w.Dir, "main.tf"), migrationConfig+moves.String())

	out := w.MustRun("plan", "-no-color", "-input=false")
	for _, m := range migrationSources {
		name := strings.SplitN(m.target, ".", 2)[1]
		if !strings.Contains(out, fmt.Sprintf("# %s.%s has moved to %s", m.source, name, m.target)) {
			t.Errorf("the plan does not move %s.%s to %s", m.source, name, m.target)
		}
	}
	if !strings.Contains(out, "0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the move plans changes:\n%s", out)
	}
	w.MustRun("apply", "-no-color", "-input=false", "-auto-approve")
	w.PlanHasNoChanges()
}

// shapedLike is the AWS provider's state template with each attribute our state also has
// replaced by our value, recursively: the AWS provider's shape, the real object's values.
func shapedLike(template, ours map[string]any) map[string]any {
	out := map[string]any{}
	for name, tv := range template {
		ov, has := ours[name]
		if !has {
			out[name] = tv
			continue
		}
		tl, tIsList := tv.([]any)
		ol, oIsList := ov.([]any)
		if tIsList && oIsList && len(tl) > 0 && len(ol) > 0 {
			if tElem, ok := tl[0].(map[string]any); ok {
				shaped := make([]any, 0, len(ol))
				for _, e := range ol {
					shaped = append(shaped, shapedLike(tElem, e.(map[string]any)))
				}
				out[name] = shaped
				continue
			}
		}
		out[name] = ov
	}
	return out
}

func writeModuleFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeModuleFile(t, path, string(b))
}
