// Package connecthandler is the backend hop of the Hub Message connect flow: an http.Handler
// that receives the @hubmessage/connect SDK's payload from your own frontend and connects the
// channel with [client.Client.ConnectChannel]. A backend mounts it in five lines:
//
//	c, err := client.New(os.Getenv("HUBMESSAGE_SECRET_KEY"))
//	if err != nil { return err }
//	h, err := connecthandler.New(connecthandler.Config{Client: c, ChannelID: channelOfUser})
//	if err != nil { return err }
//	mux.Handle("/backend/connect", h) // the frontend POSTs the SDK's payload here
//
// channelOfUser is yours: func(*http.Request) (string, error), the channel the signed-in user
// may connect. The frontend sends what the SDK resolved to, unchanged:
//
//	const payload = await HubMessage.newClient({publicKey}).connect({channelId});
//	const res = await fetch("/backend/connect", {method: "POST",
//	    headers: {"Content-Type": "application/json"}, body: JSON.stringify(payload)});
//	const out = await res.json(); // {connected, channelId} or {reason, message}
//
// Mount it on a pattern without a method ("/backend/connect", not "POST /backend/connect"):
// it answers other methods itself, and CORS preflights (OPTIONS) for [Config].AllowedOrigins.
//
// # The request
//
// Each request goes through these checks, in this order, and stops at the first that fails:
//
//  1. the method is POST (OPTIONS answers a preflight, see below); otherwise 405 with
//     "Allow: OPTIONS, POST";
//  2. the request is not cross-origin (see Origins); otherwise 403;
//  3. Content-Type is application/json (a charset, if any, is utf-8); otherwise 415;
//  4. [Config].Authorize, if set, accepts it; otherwise 401, or 403 for [ErrForbidden];
//  5. the body is at most [Config].MaxBodyBytes ([DefaultMaxBodyBytes] by default);
//     otherwise 413;
//  6. the body is exactly the SDK payload, as [DecodePayload] reads it: one JSON object with
//     the members wabaId, phoneId and code (strings) and coexistence (true or false), names
//     matched exactly ("CODE" is not "code"), each once, none null, nothing else, in valid
//     UTF-8; otherwise 400. The values must meet the spec's rules (wabaId and phoneId decimal
//     digits, …), which the client checks before anything is sent;
//  7. [Config].ChannelID names the channel: the browser never chooses it;
//  8. one ConnectChannel call, with the client's retries: they never repeat a request the
//     API may have processed, so a code is never sent twice. The call is not cancelled if
//     the browser goes away meanwhile (the code may already be spent; the log tells how the
//     channel ended); the client's timeout and retry policy bound it.
//
// # The answer
//
// Success is 200 {"connected":true,"channelId":"<id>"}. Every failure is a status and
// {"reason":"…","message":"…"}: reason is stable, for code; message is a sentence a person
// can act on, for the page. Neither ever holds the Secret Key, the code, or the API's own
// words.
//
//	status  reason                  when
//	400     invalid_payload         the body is not the payload (the message names the member
//	                                and the problem, never a value), or the API refused it
//	401     unauthorized            Authorize said no
//	403     unauthorized            Authorize or ChannelID said no with ErrForbidden
//	403     forbidden_origin        a cross-origin request (see Origins)
//	404     not_found               the API does not know the channel
//	405     method_not_allowed      not POST
//	409     channel_connected       the channel is connected already; disconnect it first
//	413     payload_too_large       the body is over MaxBodyBytes
//	415     unsupported_media_type  not application/json
//	422     code_expired            the code is older than about 30 seconds
//	422     code_used               the code was exchanged already
//	422     channel_type            the channel is not META_WHATSAPP
//	422     rejected                another business rule refused it
//	500     misconfigured           the API refused the Secret Key (401), ChannelID returned
//	                                something that is not a channel id, or the API answered
//	                                what a right setup never gets (a redirect, an
//	                                undocumented 4xx)
//	500     internal                ChannelID failed
//	502     upstream                Meta or the API failed (502, other 5xx, a 2xx that is
//	                                not success)
//	503     unavailable             the API is busy (429, 503) or could not be reached
//
// A code_expired, code_used or upstream answer means the user must go through Embedded
// Signup again: a code lives about 30 seconds and is spent once.
//
// # Origins
//
// A cross-site page must not be able to make a signed-in user's browser connect a channel
// (CSRF). The check is net/http's [http.CrossOriginProtection]: a POST is refused when its
// Sec-Fetch-Site header is neither same-origin nor none, or, without Sec-Fetch-Site, when
// its Origin header's host differs from the request's Host, unless the Origin is one of
// [Config].AllowedOrigins.
//
// A request with neither Sec-Fetch-Site nor Origin is allowed. Browsers have sent Origin with
// every cross-origin fetch since CORS, and with form posts since 2020 at the latest, so such a
// request comes from a program (which holds no user's cookies), from the page itself, or from
// an old browser; and the only cross-site POST an old browser sends without a preflight is a
// form or another "simple" request, which cannot have Content-Type application/json and so
// gets 415. Referer is not read: it adds nothing to this, and Referrer-Policy often strips it.
//
// Without Sec-Fetch-Site, "same origin" means the same host and port, whatever the scheme
// (behind a TLS proxy the handler cannot tell it); HSTS closes that gap. If a proxy rewrites
// the Host header, list the public origin in AllowedOrigins.
//
// For an allowed origin, the handler answers the CORS preflight (OPTIONS) with permission
// to POST with credentials and the headers asked for, and adds
// Access-Control-Allow-Origin and Access-Control-Allow-Credentials to its answers.
//
// # Logs
//
// Each request is logged once to [Config].Logger: the outcome as the message, with the
// attributes reason, status, duration, and when known channel, attempts (of the API call),
// api_status (what the API answered) and error. Success and the browser's mistakes are logged at Info, the API's failures at
// Warn, the backend's own (a rejected Secret Key: "Secret Key rejected", a failing
// ChannelID) at Error, preflights at Debug. The Secret Key, the code and the API's response
// body are never logged; the errors Authorize and ChannelID return are.
//
// The handler is safe for concurrent use by multiple goroutines.
package connecthandler
