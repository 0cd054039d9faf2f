package region

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The hand-kept list matches the SDK's partitions.json for the standard partitions: a region
// the SDK knows and this package does not fails here (add it, and update the source note), and
// so does one listed here that the SDK never had.
func TestStandardMatchesTheSDKsPartitions(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatalf("locate aws-sdk-go-v2 in the module cache: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []struct {
			ID      string                     `json:"id"`
			Regions map[string]json.RawMessage `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sdk := map[string]string{}
	for _, p := range doc.Partitions {
		if !slices.Contains(Partitions, p.ID) {
			continue
		}
		for name := range p.Regions {
			if !strings.HasSuffix(name, "-global") {
				sdk[name] = p.ID
			}
		}
	}
	for name, p := range sdk {
		if got, ok := Partition(name); !ok || got != p {
			t.Errorf("the SDK lists %s in partition %s; this package says %q, %v: add it to standard", name, p, got, ok)
		}
	}
	for _, name := range Standard() {
		if _, ok := sdk[name]; !ok {
			t.Errorf("%s is listed here but not in the SDK's standard partitions", name)
		}
	}
}

func TestStandardNamesHaveARegionsForm(t *testing.T) {
	for _, name := range Standard() {
		if err := ValidName(name); err != nil {
			t.Error(err)
		}
	}
}

func TestCheck(t *testing.T) {
	set, err := NewSet("xx-lab-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "xx-lab-1"} {
		if err := set.Check(name); err != nil {
			t.Errorf("Check(%q) = %v, want accepted", name, err)
		}
	}
	for name, says := range map[string]string{
		"..":                     "not a region name",
		".":                      "not a region name",
		"":                       "not a region name",
		"a b":                    "not a region name",
		"us-east-1:999999999999": "not a region name",
		"US-EAST-1":              "not a region name",
		"us-east-1\x00":          "not a region name",
		"aws-global":             "not a region name",
		"zz-fake-9":              `declare it in the engine config ("regions": {"zz-fake-9": {}})`,
		"xx-lab-2":               "declare it in the engine config",
	} {
		err := set.Check(name)
		if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), says) {
			t.Errorf("Check(%q) = %v, want ErrUnknown saying %q", name, err, says)
		}
	}
	var none *Set
	if none.Check("us-west-2") != nil || none.Check("xx-lab-1") == nil {
		t.Errorf("the nil Set must accept the standard regions only")
	}
}

func TestNewSetRefusesNamesThatAreNotRegions(t *testing.T) {
	for _, name := range []string{"..", ".", "a/b", "Eu-West-1", "eu-west-1 ", ""} {
		if _, err := NewSet(name); !errors.Is(err, ErrUnknown) {
			t.Errorf("NewSet(%q) = %v, want a refusal", name, err)
		}
	}
}
