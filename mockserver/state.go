package mockserver

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/gen"
)

// The seeded channels, in the forms the spec's examples use.
const (
	// ChannelUUID is a META_WHATSAPP channel whose id is a UUID (the connect page's example).
	ChannelUUID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	// ChannelHex is a META_WHATSAPP channel whose id is 32 hexadecimal digits (the id form of
	// the vendor's create, disconnect and delete pages).
	ChannelHex = "019E4C54B1B375A28970B605CA9B03C3"
	// ChannelInstagram is a META_INSTAGRAM channel: connecting it is a 422
	// CHANNEL_TYPE_NOT_SUPPORTED.
	ChannelInstagram = "0b7e2c1a-9f4d-4e8b-a6c3-5d2f1e0a9b87"
)

// ChannelType is a channel's provider type, as the vendor names it.
type ChannelType string

// The channel types the vendor documents. Only MetaWhatsApp channels can be connected here.
const (
	MetaWhatsApp  ChannelType = "META_WHATSAPP"
	MetaInstagram ChannelType = "META_INSTAGRAM"
	MetaMessenger ChannelType = "META_MESSENGER"
	BotTelegram   ChannelType = "BOT_TELEGRAM"
)

var channelTypes = []ChannelType{MetaWhatsApp, MetaInstagram, MetaMessenger, BotTelegram}

// ChannelTypes returns the known channel types, the ones [WithChannel] accepts.
func ChannelTypes() []ChannelType { return slices.Clone(channelTypes) }

// Magic codes a black-box client can send to simulate Meta's failures. Neither consumes the
// code nor connects the channel.
const (
	// ExpiredCodePrefix begins a magic code answered 422 CODE_EXPIRED.
	ExpiredCodePrefix = "EXPIRED"
	// UpstreamErrorPrefix begins a magic code answered 502 "Integration error".
	UpstreamErrorPrefix = "UPSTREAM_ERROR"
)

// The messages the server answers with; each is an example of the spec (tests hold them to it).
const (
	msgUnauthorized     = "Unauthorized"
	msgNoSuchEndpoint   = "no such endpoint"
	msgChannelNotFound  = "Channel not found"
	msgTypeNotSupported = "CHANNEL_TYPE_NOT_SUPPORTED"
	msgCodeAlreadyUsed  = "CODE_ALREADY_USED"
	msgCodeExpired      = "CODE_EXPIRED"
	msgStillConnected   = "INSTANCE_STILL_CONNECTED"
	msgIntegrationError = "Integration error"
	msgInternal         = "Internal server error"
)

// Channel is a snapshot of one channel of the server.
type Channel struct {
	ID          string
	Type        ChannelType
	Connected   bool   // set by a successful connect, cleared by Disconnect
	WabaID      string // as the last successful connect sent them
	PhoneID     string
	Coexistence bool
}

type channel struct {
	Channel
	failUpstream bool
}

// codeDigest identifies a code without keeping it: the server holds no code in memory.
type codeDigest [sha256.Size]byte

func digest(code string) codeDigest { return sha256.Sum256([]byte(code)) }

func seedChannels() []Channel {
	return []Channel{
		{ID: ChannelUUID, Type: MetaWhatsApp},
		{ID: ChannelHex, Type: MetaWhatsApp},
		{ID: ChannelInstagram, Type: MetaInstagram},
	}
}

func newChannel(id string, typ ChannelType) (Channel, error) {
	if !gen.ChannelIdPattern.MatchString(id) { // the spec's pattern, generated into gen/
		return Channel{}, fmt.Errorf("channel id %q is neither a UUID nor 32 hexadecimal digits", id)
	}
	if !slices.Contains(channelTypes, typ) {
		return Channel{}, fmt.Errorf("channel %s: type %q is not one of %s", id, typ, typeList())
	}
	return Channel{ID: id, Type: typ}, nil
}

func typeList() string {
	names := make([]string, len(channelTypes))
	for i, t := range channelTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// canonical is the key channels are stored under: ids match case-insensitively.
func canonical(id string) string { return strings.ToLower(id) }

// ParseChannel parses a channel as given on a command line, "ID" or "ID:TYPE", the type
// defaulting to META_WHATSAPP.
func ParseChannel(s string) (Channel, error) {
	id, typ, found := strings.Cut(s, ":")
	if !found {
		typ = string(MetaWhatsApp)
	}
	return newChannel(id, ChannelType(strings.ToUpper(typ)))
}

func (s *Server) addChannel(ch Channel) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := canonical(ch.ID)
	if _, ok := s.channels[key]; ok {
		return fmt.Errorf("channel %s already exists", ch.ID)
	}
	s.channels[key] = &channel{Channel: ch}
	return nil
}

// AddChannel adds a channel, as [WithChannel] does, to a running server.
func (s *Server) AddChannel(id string, typ ChannelType) error {
	ch, err := newChannel(id, typ)
	if err == nil {
		err = s.addChannel(ch)
	}
	if err != nil {
		return fmt.Errorf("mockserver: AddChannel: %w", err)
	}
	return nil
}

// Channel returns a snapshot of the channel with this id (matched case-insensitively).
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[canonical(id)]
	if !ok {
		return Channel{}, false
	}
	return ch.Channel, true
}

// Channels returns a snapshot of every channel, sorted by id.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, 0, len(s.channels))
	for _, ch := range s.channels {
		out = append(out, ch.Channel)
	}
	slices.SortFunc(out, func(a, b Channel) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Disconnect clears a channel's connection, as the vendor's disconnect endpoint does, so it
// can be connected again (with a fresh code: used codes stay used).
func (s *Server) Disconnect(id string) error {
	return s.withChannel("Disconnect", id, func(ch *channel) {
		ch.Connected, ch.WabaID, ch.PhoneID, ch.Coexistence = false, "", "", false
	})
}

// FailUpstream makes every connect of this channel fail with 502 "Integration error", as
// when Meta's Graph API is down, until [Server.RestoreUpstream]. A failed call neither
// consumes the code nor connects the channel.
func (s *Server) FailUpstream(channelID string) error {
	return s.withChannel("FailUpstream", channelID, func(ch *channel) { ch.failUpstream = true })
}

// RestoreUpstream undoes [Server.FailUpstream].
func (s *Server) RestoreUpstream(channelID string) error {
	return s.withChannel("RestoreUpstream", channelID, func(ch *channel) { ch.failUpstream = false })
}

func (s *Server) withChannel(op, id string, f func(*channel)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[canonical(id)]
	if !ok {
		return fmt.Errorf("mockserver: %s: no channel %q", op, id)
	}
	f(ch)
	return nil
}

// ExpireCode makes code expired: a connect with it is answered 422 CODE_EXPIRED, unless it
// was already used (CODE_ALREADY_USED). Only a digest of the code is kept.
func (s *Server) ExpireCode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expired[digest(code)] = struct{}{}
}

// ConnectMetaChannel implements gen.StrictServerInterface: it connects a META_WHATSAPP
// channel, consuming the request's code. The package documentation gives the order of checks.
func (s *Server) ConnectMetaChannel(_ context.Context, req gen.ConnectMetaChannelRequestObject) (gen.ConnectMetaChannelResponseObject, error) {
	if req.Body == nil {
		return gen.ConnectMetaChannel400JSONResponse{BadRequestJSONResponse: badRequest("request body: is missing")}, nil
	}
	body := *req.Body
	code := digest(body.Code)

	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[canonical(req.ChannelId)]
	if !ok {
		return gen.ConnectMetaChannel404JSONResponse{NotFoundJSONResponse: notFound(msgChannelNotFound)}, nil
	}
	refuse := func(msg string) (gen.ConnectMetaChannelResponseObject, error) {
		return gen.ConnectMetaChannel422JSONResponse{UnprocessableEntityJSONResponse: unprocessable(msg)}, nil
	}
	if ch.Type != MetaWhatsApp {
		return refuse(msgTypeNotSupported)
	}
	if _, used := s.used[code]; used {
		return refuse(msgCodeAlreadyUsed)
	}
	if _, exp := s.expired[code]; exp || strings.HasPrefix(body.Code, ExpiredCodePrefix) {
		return refuse(msgCodeExpired)
	}
	if ch.Connected {
		return refuse(msgStillConnected)
	}
	if ch.failUpstream || strings.HasPrefix(body.Code, UpstreamErrorPrefix) {
		return gen.ConnectMetaChannel502JSONResponse{BadGatewayJSONResponse: badGateway(msgIntegrationError)}, nil
	}
	s.used[code] = struct{}{}
	ch.Connected, ch.WabaID, ch.PhoneID, ch.Coexistence = true, body.WabaId, body.PhoneId, body.Coexistence
	return gen.ConnectMetaChannel200JSONResponse{Success: true}, nil
}

// The spec's shared error responses (components/responses), which every operation's typed
// responses embed, e.g. gen.ConnectMetaChannel404JSONResponse{NotFoundJSONResponse: notFound(…)}.

func badRequest(msg string) gen.BadRequestJSONResponse {
	return gen.BadRequestJSONResponse{Error: http.StatusBadRequest, Message: msg}
}

func notFound(msg string) gen.NotFoundJSONResponse {
	return gen.NotFoundJSONResponse{Error: http.StatusNotFound, Message: msg}
}

func unprocessable(msg string) gen.UnprocessableEntityJSONResponse {
	return gen.UnprocessableEntityJSONResponse{Error: http.StatusUnprocessableEntity, Message: msg}
}

func badGateway(msg string) gen.BadGatewayJSONResponse {
	return gen.BadGatewayJSONResponse{Error: http.StatusBadGateway, Message: msg}
}
