package errorbody

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, 422, `CODE_"USED"`)
	if rec.Code != 422 {
		t.Fatalf("status %d, want 422", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("Content-Length %s, body %d bytes", cl, rec.Body.Len())
	}
	var got Body
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got != (Body{422, `CODE_"USED"`}) {
		t.Fatalf("body %s: %+v, %v", rec.Body, got, err)
	}
}
