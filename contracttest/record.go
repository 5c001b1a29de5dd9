package contracttest

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// DefaultRecordMaxBody is how many bytes of each body a [Recorder] keeps (64 KiB, the
// reference server's body limit); a longer body is cut and marked truncated.
const DefaultRecordMaxBody = 64 << 10

// maxSecrets bounds a Recorder's table of secret digests (about 100 bytes an entry), so that
// memory stays flat over any session. Past it a new value still gets a fresh placeholder, but
// its later uses get fresh ones too: "the same code twice" is no longer seen.
const maxSecrets = 100_000

// minEcho is the shortest secret also replaced inside the other text of its exchange (an error
// message quoting a code): shorter ones would mangle ordinary words and ids.
const minEcho = 4

// maxRecordingLine bounds a recording's line, for [ReadRecording] and the [Recorder] alike, so
// that a reader's memory is bounded and a recorder never writes what a reader refuses.
const maxRecordingLine = 16 << 20

// The headers a replay or a comparison needs; no other is recorded (cookies, keys of other
// schemes and hop-by-hop headers never reach the file).
var (
	recordedRequestHeaders  = []string{"Accept", "Authorization", "Content-Type", "Prefer"}
	recordedResponseHeaders = []string{"Allow", "Content-Type", "Location", "Retry-After"}
)

// Exchange is one request and its response as a proxy saw them, before redaction: what
// [Recorder.Record] takes.
type Exchange struct {
	Time           time.Time     // when the request arrived; now if zero
	Duration       time.Duration // until the response was complete
	Operation      string        // the operationId; "" when no route matched
	Method         string
	Path           string // path and query as sent, relative to the base URL
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	// RequestCut and ResponseCut say a body holds only the first bytes of a longer one (a
	// proxy's buffer limit): it is recorded as truncated.
	RequestCut, ResponseCut bool
}

// RecordedExchange is one line of a recording, as a [Recorder] writes it and [ReadRecording]
// reads it back. Every secret is a placeholder already; see [Recorder].
type RecordedExchange struct {
	Time      time.Time       `json:"time"` // RFC 3339 in UTC, to the nanosecond
	Duration  time.Duration   `json:"durationNs"`
	Operation string          `json:"operation"` // "" when no route matched
	Method    string          `json:"method"`
	Path      string          `json:"path"` // placeholders stand as they are, not percent-encoded
	Request   RecordedMessage `json:"request"`
	Status    int             `json:"status"`
	Response  RecordedMessage `json:"response"`
}

// RecordedMessage is one side of a [RecordedExchange]. At most one of Body and Text is set.
type RecordedMessage struct {
	// Header holds the headers that matter: a request's Accept, Authorization (a
	// placeholder), Content-Type and Prefer; a response's Allow, Content-Type, Location and
	// Retry-After.
	Header http.Header `json:"header,omitempty"`
	// Body is a body that is one JSON value (duplicate names allowed), compact, redacted.
	Body json.RawMessage `json:"body,omitempty"`
	// Text is any other body (invalid UTF-8 becomes U+FFFD), or a JSON body that was cut.
	Text string `json:"text,omitempty"`
	// Truncated: the body was longer than the recorder's limit, or than what the proxy kept;
	// Text holds its first bytes.
	Truncated bool `json:"truncated,omitempty"`
	// Withheld: the body was not JSON and might hide a redacted name; Text only gives its size.
	Withheld bool `json:"withheld,omitempty"`
}

// RecordOption configures a [Recorder].
type RecordOption func(*Recorder)

// WithRedact adds property and query parameter names whose values a [Recorder] replaces by
// placeholders, "<NAME-N>", besides "code" (what OAuth 2.0 and most APIs call a single-use
// code). A name must be printable, without spaces, < or >.
func WithRedact(names ...string) RecordOption {
	return func(r *Recorder) { r.names = append(r.names, names...) }
}

// WithRecordMaxBody sets how many bytes of each body are kept ([DefaultRecordMaxBody] if
// n <= 0).
func WithRecordMaxBody(n int) RecordOption { return func(r *Recorder) { r.maxBody = n } }

// Recorder appends exchanges to a writer as JSON Lines, a [RecordedExchange] a line, each
// written as it comes, in one Write: nothing of a session is buffered.
//
// Secrets are replaced at write time by placeholders, "<NAME-N>": the Authorization header's
// value (<authorization-1>); every value of a member named "code" or a [WithRedact] name, at
// any depth of a JSON body, and of a query parameter of that name (in the path, in Location,
// in a JSON string holding a URL). Names match in any case, as encoding/json matches them,
// and as decoded ("\u0063ode" is code). A value that is not a string becomes a placeholder
// string too; null and "" stay, having nothing to hide. Within an exchange, a secret of 4
// bytes or more is also replaced wherever else it appears as text (an error message quoting
// it, a path segment), though not percent-encoded; a path segment alone is never taken for a
// secret.
//
// One value gets one placeholder throughout the Recorder, so that a replay sees the same code
// used twice. The Recorder keeps a salted SHA-256 digest of each value, never the value, and
// at most 100,000 of them: past that a new value gets a fresh placeholder at each use.
//
// A body that is not one JSON value cannot be searched by name: it is kept as text only if it
// holds no redacted name, in any case, and no \ or % (escapes that could spell one); otherwise
// it is withheld, its Text saying only "<unparsed body of N bytes, redacted>".
//
// A Recorder is safe for concurrent use by multiple goroutines; lines never interleave.
type Recorder struct {
	mu      sync.Mutex
	w       io.Writer
	err     error          // the first write error: a later line would follow a partial one
	names   []string       // redacted names, "code" first
	hiding  *regexp.Regexp // what may hide a redacted name in a body that is not JSON
	maxBody int
	salt    [32]byte
	seen    map[secretID]int // a value's digest → its placeholder's number
	last    map[string]int   // a name → the last number it gave
}

type secretID struct {
	name string
	sum  [sha256.Size]byte
}

// NewRecorder returns a Recorder writing to w.
func NewRecorder(w io.Writer, opts ...RecordOption) (*Recorder, error) {
	if w == nil {
		return nil, errors.New("contracttest: NewRecorder: nil writer")
	}
	r := &Recorder{w: w, names: []string{"code"}, seen: map[secretID]int{}, last: map[string]int{}}
	for _, opt := range opts {
		opt(r)
	}
	var names []string
	for _, n := range r.names {
		if n == "" || !printableText(n) || strings.ContainsAny(n, " <>") {
			return nil, fmt.Errorf("contracttest: redacted name %q: want printable text without spaces, < or >", n)
		}
		if _, dup := matchName(names, n); !dup {
			names = append(names, n)
		}
	}
	r.names = names
	quoted := []string{`[\\%]`} // a JSON or percent escape could spell a name
	for _, n := range names {
		quoted = append(quoted, regexp.QuoteMeta(n))
	}
	r.hiding = regexp.MustCompile("(?i)" + strings.Join(quoted, "|")) // (?i) folds as strings.EqualFold
	r.maxBody = cmp.Or(max(r.maxBody, 0), DefaultRecordMaxBody)
	_, _ = rand.Read(r.salt[:]) // never fails (crypto/rand)
	return r, nil
}

// Record writes x as one line, its secrets replaced, and returns the write's error. After a
// failed write every Record returns that error: the file may end in a partial line.
func (r *Recorder) Record(x Exchange) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	line, err := r.line(x)
	if err != nil {
		return err
	}
	if _, err := r.w.Write(line); err != nil {
		r.err = fmt.Errorf("contracttest: record: %w", err)
		return r.err
	}
	return nil
}

func (r *Recorder) line(x Exchange) ([]byte, error) {
	rec := r.redact(x)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // placeholders read <code-1>, not \u003ccode-1\u003e
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("contracttest: record: %w", err)
	}
	if b.Len() > maxRecordingLine {
		return nil, fmt.Errorf("contracttest: record: the exchange takes %d bytes, over the %d-byte line limit", b.Len(), maxRecordingLine)
	}
	return b.Bytes(), nil
}

// Redact returns x as Record would write it, its secrets replaced by the Recorder's
// placeholders, without writing it: to print an exchange safely.
func (r *Recorder) Redact(x Exchange) RecordedExchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.redact(x)
}

func (r *Recorder) redact(x Exchange) RecordedExchange {
	s := &scrub{r: r, placeholders: map[string]string{}}
	for _, v := range headerValues(x.RequestHeader, "Authorization") {
		p := s.placeholder("authorization", v)
		if f := strings.Fields(v); len(f) > 1 {
			for _, credential := range f[1:] { // f[0] is the scheme, "Bearer"
				s.addEcho(credential, p)
			}
		}
	}
	s.url(x.Path)
	s.walkJSON(x.RequestBody, nil)
	s.walkJSON(x.ResponseBody, nil)
	for _, v := range headerValues(x.ResponseHeader, "Location") {
		s.url(v)
	}
	s.startRewrite()
	rec := RecordedExchange{
		Time: cmp.Or(x.Time, time.Now()).UTC(), Duration: x.Duration, Operation: x.Operation,
		Method: s.text(x.Method), Path: s.url(x.Path), Status: x.Status,
		Request:  s.message(x.RequestHeader, x.RequestBody, x.RequestCut, recordedRequestHeaders),
		Response: s.message(x.ResponseHeader, x.ResponseBody, x.ResponseCut, recordedResponseHeaders),
	}
	return rec
}

// SentRequest is x's request, to resend ([SentRequest.Curl]): its headers but Authorization,
// whose presence sets UseSecretKey, and its body as recorded, placeholders included (a
// withheld or truncated body is not what was sent).
func (x RecordedExchange) SentRequest() *SentRequest {
	q := &SentRequest{Method: x.Method, Path: x.Path, Body: cmp.Or(string(x.Request.Body), x.Request.Text)}
	for k, vs := range x.Request.Header {
		if k == "Authorization" {
			q.UseSecretKey = true
			continue
		}
		if q.Header == nil {
			q.Header = http.Header{}
		}
		q.Header[k] = vs
	}
	return q
}

// matchName returns the one of names that name matches.
func matchName(names []string, name string) (string, bool) {
	i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
	if i < 0 {
		return "", false
	}
	return names[i], true
}

// number returns value's placeholder under name, the one it had before if the table holds it.
func (r *Recorder) number(name, value string) string {
	h := sha256.New()
	h.Write(r.salt[:])
	io.WriteString(h, value)
	id := secretID{name: name}
	h.Sum(id.sum[:0])
	n, ok := r.seen[id]
	if !ok {
		r.last[name]++
		n = r.last[name]
		if len(r.seen) < maxSecrets {
			r.seen[id] = n
		}
	}
	return "<" + name + "-" + strconv.Itoa(n) + ">"
}

// scrub redacts one exchange in two passes: the first finds its secrets, the second writes
// every string with them replaced.
type scrub struct {
	r            *Recorder
	placeholders map[string]string // name + "\x00" + value → placeholder, for this exchange
	echoes       [][2]string       // a secret's text → its placeholder, to replace anywhere
	echo         *strings.Replacer // set once the secrets are known
}

func (s *scrub) placeholder(name, value string) string {
	key := name + "\x00" + value
	p, ok := s.placeholders[key]
	if !ok {
		p = s.r.number(name, value)
		s.placeholders[key] = p
		s.addEcho(value, p)
	}
	return p
}

// addEcho replaces secret by p in any text of the exchange. A secret that is not valid UTF-8
// is not looked for: cutting a character in two would make the text invalid.
func (s *scrub) addEcho(secret, p string) {
	if s.echo == nil && len(secret) >= minEcho && utf8.ValidString(secret) {
		s.echoes = append(s.echoes, [2]string{secret, p})
	}
}

func (s *scrub) startRewrite() {
	slices.SortStableFunc(s.echoes, func(a, b [2]string) int { return len(b[0]) - len(a[0]) }) // longest first
	var pairs []string
	for _, e := range s.echoes {
		pairs = append(pairs, e[0], e[1])
	}
	s.echo = strings.NewReplacer(pairs...)
}

// text is v with the exchange's secrets replaced (unchanged while they are being found).
func (s *scrub) text(v string) string {
	if s.echo == nil {
		return v
	}
	return s.echo.Replace(v)
}

// url finds, then replaces, the values of redacted query parameters in u, a path with its
// query or a URL, and in its fragment (OAuth 2.0's implicit flow answers there).
func (s *scrub) url(u string) string {
	u, fragment, hasFragment := strings.Cut(u, "#")
	path, query, hasQuery := strings.Cut(u, "?")
	if hasQuery {
		path += "?" + s.pairs(query)
	}
	if hasFragment {
		path += "#" + s.pairs(fragment)
	}
	return s.text(path) // a secret sent in another parameter, or split by a separator
}

// pairs redacts name=value pairs (see mapQuery).
func (s *scrub) pairs(query string) string {
	return mapQuery(query, func(name, value string) (string, bool) {
		canon, ok := matchName(s.r.names, name)
		if !ok || value == "" {
			return "", false
		}
		return s.placeholder(canon, value), true
	})
}

// mapQuery replaces the values of query's name=value pairs, split at & and ; (servers take
// either), where f, given the pair's name and value unescaped (as written if they do not
// unescape), returns a new value (written as it is) and true. The rest stays as written.
func mapQuery(query string, f func(name, value string) (string, bool)) string {
	var b strings.Builder
	for query != "" {
		pair, sep := query, ""
		if i := strings.IndexAny(query, "&;"); i >= 0 {
			pair, sep, query = query[:i], query[i:i+1], query[i+1:]
		} else {
			query = ""
		}
		name, value, hasValue := strings.Cut(pair, "=")
		if v, ok := f(unescape(name), unescape(value)); ok && hasValue {
			value = v
		}
		b.WriteString(name)
		if hasValue {
			b.WriteString("=" + value)
		}
		b.WriteString(sep)
	}
	return b.String()
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// walkJSON reads body, one JSON value: each member with a redacted name gets a placeholder,
// every other string (names too) its secrets replaced, and a string holding a URL its query's
// too, written to enc. It reports whether body is exactly one JSON value.
//
// With enc nil it only finds the secrets, leniently, so that those of a body then withheld
// are still replaced elsewhere in the exchange: from the first { or [ (past a byte order mark
// or a prefix such as )]}'), through any values that follow, with invalid UTF-8, up to the
// first syntax error.
func (s *scrub) walkJSON(body []byte, enc *jsontext.Encoder) bool {
	if enc == nil {
		body = body[max(bytes.IndexAny(body, "{["), 0):]
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(enc == nil))
	write := func(t jsontext.Token) bool { return enc == nil || enc.WriteToken(t) == nil }
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return false
		}
		kind, n := dec.StackIndex(dec.StackDepth())
		isName := kind == '{' && n%2 == 1
		out := tok
		switch {
		case isName:
			out = jsontext.String(s.text(tok.String()))
		case tok.Kind() == '"':
			out = jsontext.String(s.url(tok.String())) // a URL's ?code=… too
		}
		if !write(out) {
			return false
		}
		if isName {
			if canon, ok := matchName(s.r.names, tok.String()); ok {
				v, err := dec.ReadValue()
				if err != nil || !write(s.value(canon, v)) {
					return false
				}
			}
		}
		if dec.StackDepth() == 0 && enc != nil {
			_, err := dec.ReadToken()
			return err == io.EOF
		}
	}
}

// value is what replaces v, the value of a member named name.
func (s *scrub) value(name string, v jsontext.Value) jsontext.Token {
	switch v.Kind() {
	case 'n':
		return jsontext.Null
	case '"':
		str, _ := jsontext.AppendUnquote(nil, v) // v was read whole: it unquotes
		if len(str) == 0 {
			return jsontext.String("")
		}
		return jsontext.String(s.placeholder(name, string(str)))
	}
	c := v.Clone()
	if c.Compact(jsontext.AllowDuplicateNames(true)) != nil {
		c = v
	}
	p := s.placeholder(name, string(c))
	dec := jsontext.NewDecoder(bytes.NewReader(v), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	for tok, err := dec.ReadToken(); err == nil; tok, err = dec.ReadToken() {
		if k := tok.Kind(); k == '"' || k == '0' { // the strings and numbers inside echo it
			s.addEcho(tok.String(), p)
		}
	}
	return jsontext.String(p)
}

// message is one side of the exchange: the headers that matter and the body, redacted.
func (s *scrub) message(h http.Header, body []byte, cut bool, keep []string) RecordedMessage {
	var m RecordedMessage
	for _, name := range slices.Sorted(maps.Keys(h)) {
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if !slices.Contains(keep, canon) {
			continue
		}
		for _, v := range h[name] {
			switch canon {
			case "Authorization":
				if v != "" {
					v = s.placeholder("authorization", v)
				}
			case "Location":
				v = s.url(v)
			default:
				v = s.text(v)
			}
			if m.Header == nil {
				m.Header = http.Header{}
			}
			m.Header[canon] = append(m.Header[canon], v)
		}
	}
	if len(body) == 0 {
		return m
	}
	m.Truncated = cut
	var out bytes.Buffer
	switch {
	case s.walkJSON(body, jsontext.NewEncoder(&out, jsontext.AllowDuplicateNames(true))):
		out.Truncate(len(bytes.TrimRight(out.Bytes(), "\n")))
		if out.Len() <= s.r.maxBody {
			m.Body = out.Bytes()
			return m
		}
		m.Text = out.String()
	case s.r.hiding.Match(body): // not JSON, so not searchable by name
		m.Text, m.Withheld = fmt.Sprintf("<unparsed body of %d bytes, redacted>", len(body)), true
		return m
	default:
		m.Text = s.text(string(body))
	}
	if len(m.Text) > s.r.maxBody {
		n := s.r.maxBody
		for n > 0 && !utf8.RuneStart(m.Text[n]) {
			n--
		}
		m.Text, m.Truncated = m.Text[:n], true
	}
	return m
}

// headerValues returns h's values of name, however the map spells it.
func headerValues(h http.Header, name string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if textproto.CanonicalMIMEHeaderKey(k) == name {
			out = append(out, h[k]...)
		}
	}
	return out
}

// ReadRecording reads back what a [Recorder] wrote, an exchange at a time, in order, holding
// one line at most (16 MiB): a line that is not a recorded exchange ends the sequence with an
// error naming its number.
func ReadRecording(rd io.Reader) iter.Seq2[RecordedExchange, error] {
	return func(yield func(RecordedExchange, error) bool) {
		sc := bufio.NewScanner(rd)
		sc.Buffer(nil, maxRecordingLine)
		n := 0
		for sc.Scan() {
			n++
			x, err := parseRecorded(sc.Bytes())
			if err != nil {
				yield(RecordedExchange{}, fmt.Errorf("contracttest: recording line %d: %w", n, err))
				return
			}
			if !yield(x, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				err = fmt.Errorf("longer than %d bytes", maxRecordingLine)
			}
			yield(RecordedExchange{}, fmt.Errorf("contracttest: recording line %d: %w", n+1, err))
		}
	}
}

func parseRecorded(line []byte) (RecordedExchange, error) {
	var x RecordedExchange
	if len(bytes.TrimSpace(line)) == 0 {
		return x, errors.New("empty")
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return RecordedExchange{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return RecordedExchange{}, errors.New("more data after the JSON object")
	}
	if x.Method == "" || x.Time.IsZero() {
		return RecordedExchange{}, errors.New("not a recorded exchange: no method or time")
	}
	return x, nil
}
