package fastschema

import "unsafe"

// unsafeString views b as a string without copying. The string never outlives the call that
// checks it (pattern match, rune count), and b is not modified meanwhile.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
