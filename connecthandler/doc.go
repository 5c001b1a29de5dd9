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
// channelOfUser is yours: the channel the signed-in user may connect. The frontend POSTs what
// the SDK's connect({channelId}) resolved to, unchanged, as JSON. Mount the handler on a
// pattern without a method: it answers other methods and CORS preflights itself.
//
// # The answer
//
// Success is 200 {"connected":true,"channelId":"<id>"}. A failure is a status and
// {"reason":"…","message":"…"}: reason is stable, for code; message is a sentence a person
// can act on. Neither ever holds the Secret Key, the code, or the API's own words.
//
//	status  reason                  when
//	400     invalid_payload         not the payload (see DecodePayload), or the API refused it
//	401     unauthorized            Authorize said no
//	403     unauthorized            Authorize or ChannelID said no with ErrForbidden
//	403     forbidden_origin        a cross-origin request
//	404     not_found               the API does not know the channel
//	405     method_not_allowed      not POST
//	409     channel_connected       the channel is connected already; disconnect it first
//	413     payload_too_large       the body is over MaxBodyBytes
//	415     unsupported_media_type  not application/json
//	422     code_expired            the code is older than about 30 seconds
//	422     code_used               the code was exchanged already
//	422     channel_type            the channel is not META_WHATSAPP
//	422     rejected                another business rule refused it
//	500     misconfigured           the API refused the Secret Key or answered a redirect or an
//	                                undocumented 4xx, or ChannelID returned no channel id
//	500     internal                ChannelID failed
//	502     upstream                Meta or the API failed (5xx, a 2xx that is not success)
//	503     unavailable             the API is busy (429, 503) or could not be reached
//
// After code_expired, code_used or upstream the user must go through Embedded Signup again:
// a code lives about 30 seconds and is spent once.
//
// # Origins
//
// Against CSRF, [http.CrossOriginProtection] refuses a POST whose Sec-Fetch-Site is neither
// same-origin nor none or, without it, whose Origin's host and port are not the Host's
// (whatever the scheme: behind a TLS proxy the handler cannot tell; HSTS closes the gap),
// unless the Origin is in [Config].AllowedOrigins; list the public origin there if a proxy
// rewrites Host. A request with neither header is allowed: browsers send Origin with every
// cross-origin fetch and, since 2020, form post, so it comes from a program (holding no
// user's cookies), the page itself or an old browser, whose only cross-site POST without a
// preflight is never application/json (415). Referer is not read: it adds nothing, and
// Referrer-Policy often strips it.
package connecthandler
