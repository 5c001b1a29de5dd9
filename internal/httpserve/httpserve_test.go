package httpserve_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hubmessage/hubmessage-go/internal/httpserve"
)

// Serve leaves no goroutine behind once its context is cancelled.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs h on a loopback listener wrapped by wrap and returns its address; the server
// stops when the test ends.
func serve(t testing.TB, cfg httpserve.Config, wrap func(net.Listener) net.Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	go func() { served <- httpserve.Serve(ctx, wrap(ln), h, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// get sends a keep-alive GET on conn and reads the answer.
func get(conn net.Conn, r *bufio.Reader) error {
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		return err
	}
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return err
}

// countingListener counts the connections the server holds open.
type countingListener struct {
	net.Listener
	mu         sync.Mutex
	open, peak int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open++
	l.peak = max(l.peak, l.open)
	return &countedConn{Conn: c, l: l}, nil
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.mu.Lock(); c.l.open--; c.l.mu.Unlock() })
	return c.Conn.Close()
}

// One client holding every place with idle keep-alive connections does not lock out the
// next: each new connection is answered at once, the server never holds more than MaxConns,
// and the connections it closed to make room are the ones idle longest. (Without the cap the
// server held all of them; with a cap alone, the fifth connection waited for IdleTimeout.)
func TestServeCapsConnectionsClosingTheLongestIdle(t *testing.T) {
	const maxConns, clients = 4, 12
	counter := &countingListener{}
	addr := serve(t, httpserve.Config{MaxConns: maxConns}, func(ln net.Listener) net.Listener { counter.Listener = ln; return counter })
	conns := make([]net.Conn, clients)
	readers := make([]*bufio.Reader, clients)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second)) // a failure detector, not a timing
		conns[i], readers[i] = c, bufio.NewReader(c)
		if err := get(c, readers[i]); err != nil {
			t.Fatalf("connection %d of %d (cap %d): %v", i+1, clients, maxConns, err)
		}
	}
	counter.mu.Lock()
	peak := counter.peak
	counter.mu.Unlock()
	if peak > maxConns {
		t.Errorf("the server held %d connections at once, want at most %d", peak, maxConns)
	}
	// The newest connection is still served; the oldest were closed to make room.
	if err := get(conns[clients-1], readers[clients-1]); err != nil {
		t.Errorf("newest connection: %v", err)
	}
	if _, err := readers[0].ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("oldest connection: read %v, want it closed by the server", err)
	}
}

// tempErrListener fails its first Accept as a process out of descriptors does.
type tempErrListener struct {
	net.Listener
	once sync.Once
}

func (l *tempErrListener) Accept() (net.Conn, error) {
	var err error
	l.once.Do(func() {
		err = &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	})
	if err != nil {
		return nil, err
	}
	return l.Listener.Accept()
}

// The server's own errors go to its logger, not to the process's default logger.
func TestServeLogsServerErrorsToItsLogger(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	addr := serve(t, httpserve.Config{Logger: logger}, func(ln net.Listener) net.Listener { return &tempErrListener{Listener: ln} })
	res, err := http.Get("http://" + addr) // answered once the server retried its accept
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := logs.String(); !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "too many open files") {
		t.Errorf("logger got %q, want the accept error at level ERROR", got)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// BenchmarkProbe is a new connection's request (dial, GET, close) while other clients hold
// idle keep-alive connections: none (the baseline), every place of the cap, and a flood of
// five times the cap. Each op is one probe; idle-B/conn is the memory per idle connection at
// the cap (heap and stacks, the client's side of loopback included).
func BenchmarkProbe(b *testing.B) {
	const maxConns = httpserve.DefaultMaxConns
	for _, held := range []int{0, maxConns, 5 * maxConns} {
		b.Run(fmt.Sprintf("held=%d", held), func(b *testing.B) {
			addr := serve(b, httpserve.Config{MaxConns: maxConns}, func(ln net.Listener) net.Listener { return ln })
			before := heapAndStacks()
			for range held {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				if err := get(c, bufio.NewReader(c)); err != nil {
					b.Fatal(err)
				}
			}
			idle := heapAndStacks() - before
			b.ResetTimer()
			for b.Loop() {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				if err := get(c, bufio.NewReader(c)); err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
			if held == maxConns { // after the loop: ResetTimer drops reported metrics
				b.ReportMetric(float64(idle)/float64(held), "idle-B/conn")
			}
		})
	}
}

// heapAndStacks is the memory in use after a collection.
func heapAndStacks() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}
