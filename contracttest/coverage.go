package contracttest

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// Coverage records which documented (operationId, response) pairs were exercised. A status the
// operation documents counts for itself, then a range such as "4XX", then "default"; a status
// nothing documents counts for nothing. Plug it into [Transport] or [Middleware] with
// [WithCoverage], or into [Verify] with VerifyOptions.Coverage. A Coverage is safe for concurrent
// use by multiple goroutines.
type Coverage struct {
	mu   sync.Mutex
	docs map[string][]string // operationId -> documented response keys, sorted
	seen map[string]bool     // "operationId status-key"
}

// NewCoverage returns an empty Coverage of every response v's spec documents (the embedded
// spec if v is nil).
func NewCoverage(v *Validator) (*Coverage, error) {
	if v == nil {
		var err error
		if v, err = embedded(); err != nil {
			return nil, err
		}
	}
	c := &Coverage{docs: map[string][]string{}, seen: map[string]bool{}}
	for _, item := range v.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses != nil {
				c.docs[op.OperationID] = slices.Sorted(maps.Keys(op.Responses.Map()))
			}
		}
	}
	return c, nil
}

// Record notes one response with status to operationID. It is a no-op on a nil Coverage.
func (c *Coverage) Record(operationID string, status int) {
	if c == nil {
		return
	}
	if key, ok := c.keyFor(operationID, status); ok {
		c.mu.Lock()
		c.seen[operationID+" "+key] = true
		c.mu.Unlock()
	}
}

// keyFor is the documented response key that status falls under, as the spec resolves it.
func (c *Coverage) keyFor(op string, status int) (string, bool) {
	keys := c.docs[op]
	for _, k := range responseKeys(status) {
		if i := slices.IndexFunc(keys, func(d string) bool { return strings.EqualFold(d, k) }); i >= 0 {
			return keys[i], true
		}
	}
	return "", false
}

// Covered lists the exercised pairs as "operationId status", sorted.
func (c *Coverage) Covered() []string { return c.list(true) }

// Missing lists the documented pairs never exercised as "operationId status", sorted.
func (c *Coverage) Missing() []string { return c.list(false) }

func (c *Coverage) list(seen bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for op, keys := range c.docs {
		for _, k := range keys {
			if c.seen[op+" "+k] == seen {
				out = append(out, op+" "+k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Require fails tb, naming each missing pair, unless every documented response was exercised.
func (c *Coverage) Require(tb TB) {
	tb.Helper()
	if missing := c.Missing(); len(missing) > 0 {
		tb.Errorf("contract coverage: %d documented responses never exercised:\n  - %s", len(missing), strings.Join(missing, "\n  - "))
	}
}
