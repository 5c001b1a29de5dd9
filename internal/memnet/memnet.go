// Package memnet is a net.Listener over net.Pipe, for tests: under testing/synctest a server
// on it runs on the bubble's fake clock, its read and write deadlines included, so a test can
// stall a request for minutes in no time.
package memnet

import (
	"net"
	"sync"
)

// Listener accepts the server ends of the connections [Listener.Dial] makes.
type Listener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// Listen returns a new Listener.
func Listen() *Listener {
	return &Listener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept waits for the next Dial, or Close.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close makes Accept return net.ErrClosed.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr is "pipe".
func (l *Listener) Addr() net.Addr { return addr{} }

// Dial returns the client end of a new connection, once the server accepted it.
func (l *Listener) Dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

type addr struct{}

func (addr) Network() string { return "pipe" }
func (addr) String() string  { return "pipe" }
