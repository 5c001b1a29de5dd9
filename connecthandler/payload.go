package connecthandler

import (
	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/strictjson"
)

// DecodePayload reads data as the payload the browser SDK (@hubmessage/connect) hands a
// backend: one JSON object with exactly the members wabaId, phoneId and code (strings) and
// coexistence (true or false), names matched exactly ("CODE" is not "code"), each once, none
// null, in valid UTF-8 with whole surrogate pairs, and nothing after it. encoding/json alone
// would take any of those for the payload, so what a backend checks could differ from what it
// sends. The values' own rules (decimal digits, lengths) are the spec's, which the client
// checks before anything is sent. On error the request is empty, and the error names the
// member and the problem, never a value: the code is a secret.
func DecodePayload(data []byte) (req client.ConnectRequest, err error) {
	if err = strictjson.Decode(data, &req); err != nil {
		return client.ConnectRequest{}, err
	}
	return req, nil
}
