package names

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// The patterns are the model's own, read from the model the API layer embeds.
func TestPatternsAreTheModels(t *testing.T) {
	b, err := os.ReadFile("../api/model/service-2.json")
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Shapes map[string]struct {
			Pattern string `json:"pattern"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		t.Fatal(err)
	}
	for shape, got := range map[string]string{
		"AccountId":           AccountPattern.String(),
		"BackupVaultName":     VaultPattern.String(),
		"BackupSelectionName": SelectionPattern.String(),
		"BackupRuleName":      DisplayPattern.String(),
	} {
		if want := model.Shapes[shape].Pattern; got != want {
			t.Errorf("%s: pattern %s, the model says %s", shape, got, want)
		}
	}
}

func TestChecks(t *testing.T) {
	ok := []error{Account("123456789012"), Vault("prod-vault_2"), Vault("us"), Plan("nightly.v2"), Selection("s")}
	for i, err := range ok {
		if err != nil {
			t.Errorf("valid name %d refused: %v", i, err)
		}
	}
	bad := map[string]error{
		"account 11 digits":     Account("12345678901"),
		"account with a letter": Account("12345678901a"),
		"account ..":            Account(".."),
		"vault ..":              Vault(".."),
		"vault .":               Vault("."),
		"vault one char":        Vault("a"),
		"vault with a slash":    Vault("a/b"),
		"vault with a dot":      Vault("a.b"),
		"vault 51 chars":        Vault(strings.Repeat("a", 51)),
		"vault newline":         Vault("ab\n"),
		"plan empty":            Plan(""),
		"plan with a slash":     Plan("a/b"),
		"selection with space":  Selection("a b"),
	}
	for what, err := range bad {
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", what, err)
		}
	}
}

// The vault rule's words say what its expression does: VaultLength is the expression's
// repetition, and a name of each character VaultChars names passes.
func TestVaultRuleInWordsIsTheExpression(t *testing.T) {
	lo, hi, ok := strings.Cut(VaultLength, " to ")
	if !ok || !strings.HasSuffix(VaultNameExpr, "{"+lo+","+hi+"}") {
		t.Errorf("VaultLength %q is not the repetition of %s", VaultLength, VaultNameExpr)
	}
	if !strings.Contains(VaultChars, "(-)") || !strings.Contains(VaultChars, "(_)") || Vault("aZ09-_") != nil {
		t.Errorf("VaultChars %q does not name what %s accepts", VaultChars, VaultNameExpr)
	}
	if err := Vault("a"); err == nil || !strings.Contains(err.Error(), "must be "+VaultRule) {
		t.Errorf("a refusal does not state the rule: %v", err)
	}
	for _, err := range []error{Plan(""), Selection("a b")} {
		if err == nil || !strings.Contains(err.Error(), "must be "+DisplayRule) {
			t.Errorf("a refusal does not state the display name rule: %v", err)
		}
	}
}
