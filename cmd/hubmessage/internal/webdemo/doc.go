// Package webdemo is the web demo `hubmessage demo-web` serves (its --help tells the three
// hops): the page, the backend (package connecthandler, on the channel of the page's session,
// which the backend creates) and the API (the reference server, with strict codes) in one
// http.Handler. Routes under /backend/demo/ exist only for the demo: the SDK stand-in's code
// (only the backend may ask the reference server for one), moving the reference server's
// clock on, an upstream failure for the session's next connect, disconnecting the channel,
// and the backend's last calls to the API, which the page shows as the third hop.
package webdemo
