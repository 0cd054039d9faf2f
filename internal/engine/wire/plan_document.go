package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/strongroom/terraform-provider-backup/internal/engine/apierr"
)

// DecodeBackupPlanDocument decodes a backup plan document, as GetBackupPlanFromJSON receives it in
// BackupPlanTemplateJson: strict JSON holding the members of BackupPlanInput, optionally wrapped as
// {"BackupPlan": {...}} the way create-backup-plan's input file is. Malformed JSON, a member of the
// wrong type and an unknown member are InvalidRequestException saying where and what.
func DecodeBackupPlanDocument(doc string) (*BackupPlanInput, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, apierr.InvalidReq("BackupPlanTemplateJson is empty: pass a backup plan document such as {\"BackupPlanName\": \"daily\", \"Rules\": [...]}")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil {
		return nil, jsonError(doc, err)
	}
	body := []byte(doc)
	if inner, ok := top["BackupPlan"]; ok && len(top) == 1 {
		body = inner
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var plan BackupPlanInput
	if err := dec.Decode(&plan); err != nil {
		return nil, jsonError(string(body), err)
	}
	return &plan, nil
}

// jsonError turns a decoding error into an InvalidRequestException that says where and what.
func jsonError(doc string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(doc, syn.Offset)
		msg := fmt.Sprintf("BackupPlanTemplateJson is not valid JSON at line %d, column %d: %v", line, col, syn)
		if strings.Contains(doc, "//") || strings.Contains(doc, "/*") {
			msg += ". JSON has no comments: remove the // comments (documentation examples often carry them)"
		}
		return apierr.InvalidReq("%s", msg)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the document"
		}
		return apierr.InvalidReq("BackupPlanTemplateJson: %s must be %s, not a JSON %s", field, jsonTypeName(typ.Type.Kind().String()), typ.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		if name == "Selections" {
			return apierr.InvalidReq("BackupPlanTemplateJson: \"Selections\" is not part of a backup plan: remove it, and assign resources with CreateBackupSelection after creating the plan")
		}
		return apierr.InvalidReq("BackupPlanTemplateJson: unknown member %q: a plan has BackupPlanName, Rules, AdvancedBackupSettings and ScanSettings, and each rule the members of BackupRuleInput (check the spelling)", name)
	}
	return apierr.InvalidReq("BackupPlanTemplateJson cannot be read: %v", err)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int64", "int32", "int":
		return "a whole number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return kind
}

func position(doc string, offset int64) (line, col int) {
	line, col = 1, 1
	for i, r := range doc {
		if int64(i) >= offset-1 {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
