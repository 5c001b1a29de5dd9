package client_test

import (
	"context"
	"testing"

	"github.com/hubmessage/hubmessage-go/client"
)

// BenchmarkConnectChannel measures a whole call (validation, request, response check) against
// a local server.
func BenchmarkConnectChannel(b *testing.B) {
	c := newClient(b, newAPIServer(b, replySuccess))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ConnectChannel(context.Background(), hexChannel, validRequest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConnectChannelInvalidInput measures the pre-flight validation alone.
func BenchmarkConnectChannelInvalidInput(b *testing.B) {
	c, err := client.New(testKey)
	if err != nil {
		b.Fatal(err)
	}
	bad := validRequest
	bad.PhoneID = "12a"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ConnectChannel(context.Background(), hexChannel, bad); err == nil {
			b.Fatal("no error")
		}
	}
}
