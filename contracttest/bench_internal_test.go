package contracttest

import (
	"testing"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// BenchmarkNewForSpec is the cost of a Validator for a document seen for the first time
// (compiled: validated, routed, fast path built) and for one already seen (cached), as when
// every test builds its own server.
func BenchmarkNewForSpec(b *testing.B) {
	doc, err := openapi.Spec()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			spec, err := compileSpec(doc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := newValidator(doc, spec, []Option{WithSecretKey("sk_bench")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := NewForSpec(doc, WithSecretKey("sk_bench")); err != nil {
				b.Fatal(err)
			}
		}
	})
}
