// Package webdemo is the web demo that `hubmessage demo-web` serves: the three hops of a
// channel's connection, frontend SDK → backend → API, in one process and one http.Handler.
//
//   - The page (/), plain HTML and a small script, is the frontend. It calls a stand-in for the
//     browser SDK @hubmessage/connect with its documented call shape and posts the payload to
//     the backend.
//   - The backend is package connecthandler, mounted at /backend/connect, with the channel
//     taken from the page's session (a cookie): each session gets a META_WHATSAPP channel
//     that the backend creates through package client.
//   - The API is the reference server (package mockserver), mounted at /api/, with strict
//     codes: only the ones it issued connect, each for 30 seconds of its clock.
//
// Routes under /backend/demo/ exist only for the demo: the SDK stand-in's code (the browser
// must never hold the Secret Key, so the backend asks the reference server for it), moving
// the reference server's clock on, queueing an upstream failure, disconnecting the channel,
// and the backend's last calls to the API, which the page shows as the third hop.
package webdemo
