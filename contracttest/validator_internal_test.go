package contracttest

import (
	"os"
	"testing"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// Validators of one document share what is compiled from it, whatever their options; the
// cache forgets the oldest documents beyond its bound.
func TestNewForSpecSharesTheCompiledSpec(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewForSpec(doc, WithSecretKey("sk_a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewForSpec(doc)
	if err != nil {
		t.Fatal(err)
	}
	if a.spec != b.spec {
		t.Error("two validators of one document compiled it twice")
	}
	data, err := os.ReadFile("testdata/router-methods.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for range maxCachedSpecs + 1 {
		fresh, err := openapi.Parse("router-methods.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewForSpec(fresh); err != nil {
			t.Fatal(err)
		}
	}
	specCache.Lock()
	defer specCache.Unlock()
	if len(specCache.m) > maxCachedSpecs || len(specCache.order) != len(specCache.m) {
		t.Errorf("cache holds %d documents (%d in order), want at most %d", len(specCache.m), len(specCache.order), maxCachedSpecs)
	}
}
