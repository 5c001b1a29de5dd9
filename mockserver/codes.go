package mockserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"time"
)

// CodeLifetime is how long a code from [Server.IssueCode] (or POST /_mock/codes) connects, on
// the server's clock: about what Meta gives an Embedded Signup code.
const CodeLifetime = 30 * time.Second

// WithClock makes now the server's clock, instead of time.Now: the clock of [CodeLifetime]
// and of a sandbox's idle timeout. [Server.AdvanceClock] moves it forward by an offset.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("mockserver: WithClock: clock is nil")
		}
		c.clock = now
		return nil
	}
}

// WithStrictCodes makes connect refuse every code the server did not issue ([Server.IssueCode],
// POST /_mock/codes) with 422 CODE_EXPIRED, except the magic [UpstreamErrorPrefix] codes, which
// still answer 502. Without it such codes are accepted once, as before.
//
// Why CODE_EXPIRED: to the real API a made-up code is one Meta will not exchange, and no
// "invalid code" answer is documented; CODE_EXPIRED says "start the signup again", right for
// a code that was never valid too, where CODE_ALREADY_USED would claim a first use.
func WithStrictCodes() Option {
	return func(c *config) error { c.strictCodes = true; return nil }
}

// IssueCode returns a new code, as Embedded Signup hands one to the browser, and when it
// expires: [CodeLifetime] from now on the server's clock. A connect with it succeeds once
// before then; after, 422 CODE_EXPIRED; a second time, 422 CODE_ALREADY_USED.
func (s *Server) IssueCode() (code string, expiresAt time.Time) {
	s.own.mu.Lock()
	defer s.own.mu.Unlock()
	return s.own.issueCode()
}

// Issued reports whether this server issued code ([Server.IssueCode], POST /_mock/codes with
// its own key), and when it expires. A code it did not issue is, with [WithStrictCodes],
// answered 422 CODE_EXPIRED: Issued tells a demo or a test why.
func (s *Server) Issued(code string) (expiresAt time.Time, ok bool) { return s.own.issued(code) }

// AdvanceClock moves the server's clock d forward, so a test expires a code without waiting:
// AdvanceClock(CodeLifetime) and every code issued so far has expired (under
// testing/synctest, so does time.Sleep(CodeLifetime)). A negative d panics: time does not go
// back, and a code that expired stays expired.
func (s *Server) AdvanceClock(d time.Duration) {
	if d < 0 {
		panic("mockserver: AdvanceClock: negative duration")
	}
	s.own.mu.Lock()
	defer s.own.mu.Unlock()
	s.own.advance(d)
}

// now is the state's time: the server's clock plus the state's offset. st.mu must be held.
func (st *state) now() time.Time { return st.clock().Add(st.offset) }

// advance adds d (not negative) to the state's clock offset, saturating rather than
// overflowing. st.mu must be held.
func (st *state) advance(d time.Duration) { st.offset += min(d, math.MaxInt64-st.offset) }

// An issued code carries its own expiry, sealed with an HMAC under the state's key, so the
// server remembers nothing of the codes it issues (memory stays flat however many a client
// asks for) and a code of one sandbox key is foreign to every other. Layout, base64url after
// codePrefix: expiry seconds (8 bytes) | nanoseconds (4) | random (16) | HMAC-SHA256, cut to 16.
const (
	codePrefix     = "mock_"
	codePayloadLen = 8 + 4 + 16
	codeMACLen     = 16
)

// issueCode seals a new code expiring CodeLifetime from the state's now. st.mu must be held.
func (st *state) issueCode() (string, time.Time) {
	expires := st.now().Add(CodeLifetime)
	var raw [codePayloadLen + codeMACLen]byte
	binary.BigEndian.PutUint64(raw[0:8], uint64(expires.Unix()))
	binary.BigEndian.PutUint32(raw[8:12], uint32(expires.Nanosecond()))
	_, _ = rand.Read(raw[12:codePayloadLen]) // never fails (crypto/rand)
	copy(raw[codePayloadLen:], st.codeMAC(raw[:codePayloadLen]))
	return codePrefix + base64.RawURLEncoding.EncodeToString(raw[:]), expires
}

// issued reports whether this state issued code, and when it expires.
func (st *state) issued(code string) (time.Time, bool) {
	enc, ok := strings.CutPrefix(code, codePrefix)
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if !ok || err != nil || len(raw) != codePayloadLen+codeMACLen || !hmac.Equal(raw[codePayloadLen:], st.codeMAC(raw[:codePayloadLen])) {
		return time.Time{}, false
	}
	return time.Unix(int64(binary.BigEndian.Uint64(raw[0:8])), int64(binary.BigEndian.Uint32(raw[8:12]))), true
}

func (st *state) codeMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, st.codeKey[:])
	m.Write(payload)
	return m.Sum(nil)[:codeMACLen]
}

// codeExpired reports whether connect answers CODE_EXPIRED for code (whose digest is d): made
// expired (ExpireCode, prefix), issued here and past its life, or in strict mode not issued
// here and not the magic UpstreamErrorPrefix. st.mu must be held.
func (s *Server) codeExpired(st *state, code string, d hash) bool {
	if _, exp := st.expired[d]; exp || strings.HasPrefix(code, ExpiredCodePrefix) {
		return true
	}
	if expires, ok := st.issued(code); ok {
		return !st.now().Before(expires)
	}
	return s.strictCodes && !strings.HasPrefix(code, UpstreamErrorPrefix)
}
