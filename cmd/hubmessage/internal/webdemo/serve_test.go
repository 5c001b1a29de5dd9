package webdemo

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hubmessage/hubmessage-go/internal/memnet"
)

// A chunked body trickled to the backend a byte every 5 s (issue 17: no answer after 150 s)
// is answered within readTimeout, on the path `hubmessage demo-web` serves: the backend's 400,
// the body "did not arrive in full".
func TestServeAnswersATrickledBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, err := New("http://127.0.0.1:8090", nil) // the request never reaches the API
		if err != nil {
			t.Fatal(err)
		}
		s := fill(t, d, 1)[0] // the backend reads a body only for a session
		ln := memnet.Listen()
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- d.Serve(ctx, ln) }()

		start := time.Now()
		conn := ln.Dial()
		var trickle sync.WaitGroup
		trickle.Go(func() { // the headers, then one byte of the body every 5 s, never its end
			_, err := io.WriteString(conn, "POST /backend/connect HTTP/1.1\r\nHost: demo\r\nCookie: "+sessionCookie+"="+s.token+
				"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
			for tick := time.Tick(5 * time.Second); err == nil; <-tick {
				_, err = io.WriteString(conn, "1\r\n{\r\n")
			}
		})
		_ = conn.SetReadDeadline(start.Add(2 * readTimeout)) // fail, not hang, without the timeout
		if res, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil {
			t.Errorf("no answer to a trickled body after %v: %v", time.Since(start), err)
		} else {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if took := time.Since(start); took > readTimeout {
				t.Errorf("a trickled body answered after %v, want within the read timeout, %v", took, readTimeout)
			}
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"reason":"invalid_payload"`) {
				t.Errorf("a trickled body: %d %s, want the backend's 400 invalid_payload", res.StatusCode, body)
			}
		}
		conn.Close() // ends the trickle
		trickle.Wait()
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}
