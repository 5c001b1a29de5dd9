package mockserver

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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

// ChannelType is a channel's provider type, the spec's ChannelType enum (gen's type).
type ChannelType = gen.ChannelType

// The channel types the vendor documents. Only MetaWhatsApp channels can be connected.
const (
	MetaWhatsApp  = gen.ChannelTypeMETAWHATSAPP
	MetaInstagram = gen.ChannelTypeMETAINSTAGRAM
	MetaMessenger = gen.ChannelTypeMETAMESSENGER
	BotTelegram   = gen.ChannelTypeBOTTELEGRAM
)

// channelTypes lists them, in the spec's order (a test holds it to the spec's enum).
var channelTypes = []ChannelType{MetaWhatsApp, MetaInstagram, MetaMessenger, BotTelegram}

// ChannelTypes returns the known channel types, the ones [WithChannel] accepts.
func ChannelTypes() []ChannelType { return slices.Clone(channelTypes) }

// SubscriptionStatus is the status of a channel's (simulated) subscription, as the vendor names
// it. The zero value, "", is no subscription. While it is [SubscriptionStatus.Active] the
// channel cannot be deleted (422 INSTANCE_HAS_ACTIVE_SUBSCRIPTION).
type SubscriptionStatus string

// The subscription statuses the vendor documents for delete.
const (
	SubscriptionPaid                SubscriptionStatus = "PAID"                 // active
	SubscriptionCancellationProcess SubscriptionStatus = "CANCELLATION_PROCESS" // active
	SubscriptionCanceled            SubscriptionStatus = "CANCELED"
	SubscriptionTrial               SubscriptionStatus = "TRIAL"
	SubscriptionPending             SubscriptionStatus = "PENDING"
)

var subscriptionStatuses = []SubscriptionStatus{SubscriptionPaid, SubscriptionCancellationProcess,
	SubscriptionCanceled, SubscriptionTrial, SubscriptionPending}

// SubscriptionStatuses returns the known subscription statuses, the ones
// [Server.SetSubscription] accepts besides "" (none).
func SubscriptionStatuses() []SubscriptionStatus { return slices.Clone(subscriptionStatuses) }

// Active reports whether the subscription prevents deleting its channel.
func (st SubscriptionStatus) Active() bool {
	return st == SubscriptionPaid || st == SubscriptionCancellationProcess
}

func checkSubscription(st SubscriptionStatus) error {
	if st != "" && !slices.Contains(subscriptionStatuses, st) {
		return fmt.Errorf("subscription status %q is not one of %s (or empty: none)", st, join(subscriptionStatuses))
	}
	return nil
}

// join is "A, B, C".
func join[S ~string](xs []S) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

// Magic codes a black-box client can send to simulate Meta's failures. Neither consumes the
// code nor connects the channel. Prefixes, like codes, are case-sensitive.
const (
	// ExpiredCodePrefix begins a magic code answered 422 CODE_EXPIRED.
	ExpiredCodePrefix = "EXPIRED"
	// UpstreamErrorPrefix begins a magic code answered 502 "Integration error".
	UpstreamErrorPrefix = "UPSTREAM_ERROR"
)

// The messages the server answers with; each is an example of the spec (tests hold them to it).
const (
	msgUnauthorized          = "Unauthorized"
	msgNoSuchEndpoint        = "no such endpoint"
	msgChannelNotFound       = "Channel not found"
	msgInstanceNotFound      = "Instance not found" // delete's 404, as the vendor documents it
	msgTypeNotSupported      = "CHANNEL_TYPE_NOT_SUPPORTED"
	msgCodeAlreadyUsed       = "CODE_ALREADY_USED"
	msgCodeExpired           = "CODE_EXPIRED"
	msgStillConnected        = "INSTANCE_STILL_CONNECTED"
	msgActiveSubscription    = "INSTANCE_HAS_ACTIVE_SUBSCRIPTION"
	msgCreateNeedsEnterprise = "This action requires ENTERPRISE role"
	msgDeleteNeedsEnterprise = "Channel deletion requires ENTERPRISE role"
	msgIntegrationError      = "Integration error"
	msgDeleteFailed          = "Hermitage deleteChannel failed"
	msgInternal              = "Internal server error"
)

// Channel is a snapshot of one channel of the server.
type Channel struct {
	ID           string
	Type         ChannelType
	Name         string // as created; empty for seeded and added channels
	Connected    bool   // set by a successful connect, cleared by disconnect
	WabaID       string // as the last successful connect sent them
	PhoneID      string
	Coexistence  bool
	Subscription SubscriptionStatus // see [Server.SetSubscription]
}

type channel struct {
	Channel
	failUpstream bool
}

// hash identifies a code or a Secret Key without keeping it: the server holds neither in memory.
type hash [sha256.Size]byte

func digest(secret string) hash { return sha256.Sum256([]byte(secret)) }

var seedChannels = []Channel{{ID: ChannelUUID, Type: MetaWhatsApp}, {ID: ChannelHex, Type: MetaWhatsApp},
	{ID: ChannelInstagram, Type: MetaInstagram}}

func newChannel(id string, typ ChannelType) (Channel, error) {
	if !gen.ChannelIdPattern.MatchString(id) { // the spec's pattern, generated into gen/
		return Channel{}, fmt.Errorf("channel id %q is neither a UUID nor 32 hexadecimal digits", id)
	}
	if !typ.Valid() {
		return Channel{}, fmt.Errorf("channel %s: type %q is not one of %s", id, typ, join(channelTypes))
	}
	return Channel{ID: id, Type: typ}, nil
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

// state is one account's world: its channels, the codes it used or saw expire, its role, its
// clock and its queued responses. A Server has one; in sandbox mode, one per Secret Key.
type state struct {
	mu         sync.Mutex
	channels   map[string]*channel // by canonical id; nil once deleted: 404 for good, never issued again
	used       map[hash]struct{}   // codes a connect accepted
	expired    map[hash]struct{}
	enterprise bool

	clock   func() time.Time // the server's clock; now() adds offset
	offset  time.Duration    // AdvanceClock's, never negative
	codeKey [32]byte         // seals the codes this state issues (see issueCode)

	queue    map[queueKey][]example // QueueResponses', each served once, in order; no empty entry
	lastUsed time.Time              // in a sandbox: its key's last request, guarded by the sandbox's lock
	limits   *SandboxConfig         // a sandbox key's bounds; nil for the server's own state: unbounded
}

// newState builds a state as the options set it; its errors are the options'.
func newState(cfg *config) (*state, error) {
	st := &state{
		channels:   make(map[string]*channel, len(cfg.channels)+3),
		used:       map[hash]struct{}{},
		expired:    map[hash]struct{}{},
		enterprise: cfg.enterprise,
		clock:      cfg.clock,
		queue:      map[queueKey][]example{},
	}
	_, _ = rand.Read(st.codeKey[:]) // never fails (crypto/rand)
	for _, ch := range slices.Concat(seedChannels, cfg.channels) {
		if err := st.add(ch); err != nil {
			return nil, fmt.Errorf("mockserver: WithChannel: %w", err)
		}
	}
	for id, sub := range cfg.subscriptions {
		ch := st.channels[id]
		if ch == nil {
			return nil, fmt.Errorf("mockserver: WithSubscription: no channel %q (seed it, or add it with WithChannel)", id)
		}
		ch.Subscription = sub
	}
	return st, nil
}

// add adds ch unless its id is taken, now or by a deleted channel.
func (st *state) add(ch Channel) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	key := canonical(ch.ID)
	if old, taken := st.channels[key]; old != nil {
		return fmt.Errorf("channel %s already exists", ch.ID)
	} else if taken {
		return fmt.Errorf("channel %s was deleted; a deleted channel's id is never used again", ch.ID)
	}
	st.channels[key] = &channel{Channel: ch}
	return nil
}

// newID returns an id no channel of st has or had: 32 upper-case hexadecimal digits, the
// vendor's form for created channels. st.mu must be held.
func (st *state) newID() string {
	for {
		id := strings.ToUpper(randomHex())
		if _, taken := st.channels[canonical(id)]; !taken {
			return id
		}
	}
}

func (st *state) with(op, id string, f func(*channel) error) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	ch := st.channels[canonical(id)]
	if ch == nil {
		return fmt.Errorf("mockserver: %s: no channel %q", op, id)
	}
	if err := f(ch); err != nil {
		return fmt.Errorf("mockserver: %s: %w", op, err)
	}
	return nil
}

// disconnect clears ch's connection.
func disconnect(ch *channel) {
	ch.Connected, ch.WabaID, ch.PhoneID, ch.Coexistence = false, "", "", false
}

// AddChannel adds a channel, as [WithChannel] does, to a running server. An id already in
// use, or once used by a deleted channel, is an error.
func (s *Server) AddChannel(id string, typ ChannelType) error {
	ch, err := newChannel(id, typ)
	if err == nil {
		err = s.own.add(ch)
	}
	if err != nil {
		return fmt.Errorf("mockserver: AddChannel: %w", err)
	}
	return nil
}

// Channel returns a snapshot of the channel with this id (matched case-insensitively); false
// if there is none, or it was deleted.
func (s *Server) Channel(id string) (c Channel, ok bool) {
	ok = s.own.with("Channel", id, func(ch *channel) error { c = ch.Channel; return nil }) == nil
	return c, ok
}

// Channels returns a snapshot of every channel, sorted by id; deleted ones are gone.
func (s *Server) Channels() []Channel {
	s.own.mu.Lock()
	defer s.own.mu.Unlock()
	out := make([]Channel, 0, len(s.own.channels))
	for _, ch := range s.own.channels {
		if ch != nil {
			out = append(out, ch.Channel)
		}
	}
	slices.SortFunc(out, func(a, b Channel) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Disconnect clears a channel's connection, as the disconnect operation does, so it can be
// connected again (with a fresh code: used codes stay used) or deleted.
func (s *Server) Disconnect(id string) error {
	return s.own.with("Disconnect", id, func(ch *channel) error { disconnect(ch); return nil })
}

// FailUpstream makes every connect, disconnect and delete of this channel fail with 502 (and
// change nothing), as when Meta's Graph API is down, until [Server.RestoreUpstream].
func (s *Server) FailUpstream(channelID string) error {
	return s.own.with("FailUpstream", channelID, func(ch *channel) error { ch.failUpstream = true; return nil })
}

// RestoreUpstream undoes [Server.FailUpstream].
func (s *Server) RestoreUpstream(channelID string) error {
	return s.own.with("RestoreUpstream", channelID, func(ch *channel) error { ch.failUpstream = false; return nil })
}

// SetSubscription sets the status of a channel's simulated subscription, "" for none, as
// [WithSubscription] does from the start.
func (s *Server) SetSubscription(channelID string, status SubscriptionStatus) error {
	return s.own.with("SetSubscription", channelID, func(ch *channel) error {
		if err := checkSubscription(status); err != nil {
			return err
		}
		ch.Subscription = status
		return nil
	})
}

// SetEnterpriseRole gives (true) or takes away (false) the account's ENTERPRISE role, as
// [WithEnterpriseRole] does from the start.
func (s *Server) SetEnterpriseRole(on bool) {
	s.own.mu.Lock()
	defer s.own.mu.Unlock()
	s.own.enterprise = on
}

// ExpireCode makes connect answer code 422 CODE_EXPIRED, unless it was already used
// (CODE_ALREADY_USED). Only a digest of the code is kept.
func (s *Server) ExpireCode(code string) {
	s.own.mu.Lock()
	defer s.own.mu.Unlock()
	s.own.expired[digest(code)] = struct{}{}
}
