package blob

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// notOptional names the interfaces of this package that are not optional extensions of Store:
// Store itself and the wrappers' protocol.
var notOptional = []string{"Store", "forwarder"}

// Every interface type this package declares (in any file, whatever its build constraints) is
// either Store, the wrappers' protocol, or an optional extension listed in optionalInterfaces: an
// extension added without being listed would not be checked for forwarding below.
func TestEveryOptionalInterfaceIsRegistered(t *testing.T) {
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, f := range pkgs["blob"].Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, isInterface := ts.Type.(*ast.InterfaceType); isInterface && !slices.Contains(notOptional, ts.Name.Name) {
					declared = append(declared, ts.Name.Name)
				}
			}
		}
	}
	var registered []string
	for _, iface := range optionalInterfaces {
		if iface.Kind() != reflect.Interface {
			t.Errorf("optionalInterfaces lists %v, which is not an interface", iface)
		}
		registered = append(registered, iface.Name())
	}
	slices.Sort(declared)
	slices.Sort(registered)
	if !slices.Equal(declared, registered) {
		t.Fatalf("interfaces declared in package blob: %v; registered in optionalInterfaces: %v: list every optional interface there (and forward it in Faulty)", declared, registered)
	}
}

// Faulty offers each optional interface exactly when the store it wraps does, through any number
// of wrappers, so code over it takes the same route as over the wrapped store.
func TestFaultyForwardsEveryOptionalInterfaceOfItsStore(t *testing.T) {
	local, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	memory := NewMemory()
	for _, iface := range optionalInterfaces {
		if !supports(local, iface) {
			continue // nothing to forward from Local; Memory below covers the other side
		}
		for name, s := range map[string]Store{
			"Faulty(Local)":         NewFaulty(local),
			"Faulty(Faulty(Local))": NewFaulty(NewFaulty(local)),
		} {
			if !reflect.TypeOf(s).Implements(iface) || !supports(s, iface) {
				t.Errorf("%s does not offer %v, which Local implements", name, iface)
			}
		}
		if supports(memory, iface) != supports(NewFaulty(memory), iface) {
			t.Errorf("Faulty(Memory) offers %v: %v; Memory: %v", iface, supports(NewFaulty(memory), iface), supports(memory, iface))
		}
	}
	if _, ok := optional[rangeReader](NewFaulty(local)); !ok {
		t.Error("ReadRange over Faulty(Local) does not take the range-read fast path")
	}
	if _, ok := AsDeferred(NewFaulty(memory)); ok {
		t.Error("Faulty(Memory) is a DeferredStore; Memory is not")
	}
}
