package mockserver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/hubmessage/hubmessage-go/internal/memnet"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

func TestServeShutsDownOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, err := mockserver.New(mockserver.WithSecretKey("sk_serve"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	client := &http.Client{Transport: &http.Transport{}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/v1/channels/"+mockserver.ChannelHex+"/connect",
		strings.NewReader(payload("serve-code")))
	req.Header.Set("Authorization", "Bearer sk_serve")
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d %s", res.StatusCode, body)
	}
	client.CloseIdleConnections()

	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve after cancel: %v, want nil", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("listener still accepts after shutdown")
	}
}

func TestServeReturnsListenerErrors(t *testing.T) {
	s, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := s.Serve(t.Context(), ln); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve on a closed listener: %v, want its error", err)
	}
}

// A request whose body stops arriving still gets an answer in the spec's error shape, even
// to a client that is slow to read it: the connection's deadlines must leave the middleware
// time to answer. (With ReadTimeout = WriteTimeout = 30 s they did not: the body's read
// failed at 30 s and the answer's write with it, and the client saw the connection close.)
func TestServeAnswersAStalledBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := mockserver.New(mockserver.WithSecretKey("sk_stall"))
		if err != nil {
			t.Fatal(err)
		}
		ln := memnet.Listen()
		ctx, cancel := context.WithCancel(t.Context())
		served := make(chan error, 1)
		go func() { served <- s.Serve(ctx, ln) }()

		conn := ln.Dial()
		body := payload("stalled-code")
		go func() { // the headers and the body's first bytes, then nothing, ever
			_, _ = io.WriteString(conn, "POST "+connectPath(mockserver.ChannelUUID)+" HTTP/1.1\r\nHost: mock\r\n"+
				"Authorization: Bearer sk_stall\r\nContent-Type: application/json\r\n"+
				"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:10])
		}()
		time.Sleep(45 * time.Second) // the bubble's clock: the client starts reading late
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled body: %v", err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if err := errorShape(res.StatusCode, res.Header, got); err != nil || res.StatusCode >= 500 {
			t.Errorf("stalled body: %d %s; want a client error in the error shape (%v)", res.StatusCode, got, err)
		}
		if ch, _ := s.Channel(mockserver.ChannelUUID); ch.Connected {
			t.Error("a stalled request connected the channel")
		}
		conn.Close()
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}
