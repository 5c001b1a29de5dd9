package contracttest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// Proxy returns a reverse proxy to upstream that checks each exchange as [Validator.Middleware]
// does, in [ReportOnly] mode unless opts say otherwise ([WithMode]([EnforceRequests]) keeps
// invalid requests from the upstream). Requests go to upstream's scheme and host, its path
// joined before theirs, with every header they came with, Authorization included; the
// upstream's answer comes back as it is. It never follows a redirect and never retries.
//
// An upstream that gives no answer (refused, reset, timed out) gets the client a 502 in the
// spec's error shape ([WithRejectFunc]): the exchange goes to [OnUpstreamError], not to the
// violations, [WithRecorder] or [Coverage].
func (v *Validator) Proxy(upstream *url.URL, opts ...CheckOption) http.Handler {
	c, _ := newCheckConfig(append([]CheckOption{WithValidator(v), WithMode(ReportOnly)}, opts...))
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(upstream) },
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if rec, ok := w.(*recorder); ok {
				rec.upstreamFailed = true
			}
			if c.onUpstream != nil && !errors.Is(r.Context().Err(), context.Canceled) { // not a client gone; a deadline is
				c.onUpstream(r, err)
			}
			c.reject(w, r, http.StatusBadGateway, nil)
		},
	}
	return &middleware{next: rp, cfg: c}
}
