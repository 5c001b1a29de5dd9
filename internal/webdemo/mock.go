package webdemo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/printable"
)

// mockClient calls the reference server's test-only endpoints (/_mock/).
var mockClient = &http.Client{Timeout: 10 * time.Second}

// mockCall posts body (nil: none) to the reference server's test-only endpoint path, with
// the Secret Key, and decodes its JSON answer into out (nil: not read). When that fails, it
// answers w 502 and returns false; the log says why, the browser only what failed.
func (d *Demo) mockCall(w http.ResponseWriter, r *http.Request, path string, body, out any) bool {
	err := d.mockPost(r.Context(), path, body, out)
	if err != nil {
		d.logger.LogAttrs(r.Context(), slog.LevelError, "reference server's test-only endpoint", slog.String("path", path), slog.String("error", err.Error()))
		errorbody.Write(w, http.StatusBadGateway, "the reference server refused the demo's request ("+path+")")
		return false
	}
	return true
}

func (d *Demo) mockPost(ctx context.Context, path string, body, out any) error {
	var payload io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		payload = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.apiURL+path, payload)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.mock.SecretKey())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := mockClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", res.Status, printable.String(string(answer)))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		errorbody.Write(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
