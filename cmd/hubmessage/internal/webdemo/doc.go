// Package webdemo is the web demo `hubmessage demo-web` serves (its --help tells the three
// hops): the page, the backend (package connecthandler, on the channel of the page's session,
// which the backend creates) and the API (the reference server, with strict codes) in one
// http.Handler. Routes under /backend/demo/ exist only for the demo: the SDK stand-in's code
// (only the backend may ask the reference server for one), moving the reference server's
// clock on, an upstream failure for the session's next connect, disconnecting the channel,
// and the backend's last calls to the API, which the page shows as the third hop.
//
// The demo is meant to be left running: a session ends sessionIdle after its last request,
// and at most maxSessions are kept. Past that, a new browser takes the place and the channel
// (disconnected) of the least recently used session if it has expired, else is answered 503
// with Retry-After, the seconds until one does. [Demo.Serve] keeps the reference server's
// bounds on connections and timeouts, with readTimeout for a whole request.
package webdemo
