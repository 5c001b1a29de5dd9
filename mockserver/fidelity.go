package mockserver

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// ReplayOptions are this API's rules for [contracttest.Replay], to which a caller adds the
// Secret Key, the HTTP client and a code source ([Server.CodeSource] in-process, [ProbeCodes]
// for a running server): an exchange answered CODE_EXPIRED is not comparable
// ([CodeExpiredNotComparable]), and a channel a recording uses without having created it is
// created as META_WHATSAPP, the one type every operation accepts.
func ReplayOptions() contracttest.ReplayOptions {
	return contracttest.ReplayOptions{
		NotComparable: CodeExpiredNotComparable,
		SeedValues:    map[string]string{"type": string(MetaWhatsApp)},
	}
}

// CodeExpiredNotComparable is a [contracttest.ReplayOptions.NotComparable] rule: a connect
// answered 422 CODE_EXPIRED depends on how old the code was when it was used, which a
// recording cannot hold, so its answer cannot be compared (and it is not replayed: with a
// fresh code it would connect the channel).
func CodeExpiredNotComparable(x contracttest.RecordedExchange) string {
	var body struct {
		Message string `json:"message"`
	}
	if x.Status != http.StatusUnprocessableEntity || json.Unmarshal(x.Response.Body, &body) != nil || body.Message != msgCodeExpired {
		return ""
	}
	return msgCodeExpired + " depends on the code's age when it was used, which a recording cannot hold"
}

// CodeSource is a [contracttest.CodeSource] that issues a fresh code ([Server.IssueCode]) at
// each call: for a stateful [contracttest.Verify] or a [contracttest.Replay] of s in-process.
func (s *Server) CodeSource() contracttest.CodeSource {
	return func(context.Context) (string, error) {
		code, _ := s.IssueCode()
		return code, nil
	}
}
