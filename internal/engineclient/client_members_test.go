package engineclient

import (
	"reflect"
	"slices"
	"testing"
)

// ResourceAnswerMembers lists exactly what the client decodes from a registry answer.
func TestResourceAnswerMembersAreTheDecodedOnes(t *testing.T) {
	var decoded []string
	rt := reflect.TypeFor[wireResource]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		name := f.Tag.Get("json")
		if f.Type.Kind() == reflect.Map {
			name += "{}"
		}
		decoded = append(decoded, name)
	}
	if got := slices.Sorted(slices.Values(ResourceAnswerMembers)); !slices.Equal(got, slices.Sorted(slices.Values(decoded))) {
		t.Errorf("ResourceAnswerMembers = %q, the client decodes %q", got, decoded)
	}
}
