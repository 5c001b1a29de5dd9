package mockserver

import (
	"context"
	"net/http"
	"strings"

	"github.com/hubmessage/hubmessage-go/gen"
)

// The channel lifecycle, one method per operation of the spec (gen.StrictServerInterface).
// Each runs on the state of the request's account (see stateFor) under its lock, so every
// call is atomic, checks and change alike, and a refused or failed call changes nothing.
// req.Body is never nil: gen's strict handler sets it, having answered 400 itself for a
// body that does not decode, and the middleware has refused a missing required body.

// PartnerCreateChannel implements gen.StrictServerInterface: 422 "This action requires
// ENTERPRISE role" without that role ([WithEnterpriseRole]); 503 for a sandbox key that holds
// [SandboxConfig.MaxChannels]; else a channel of any [ChannelTypes] and 201 with its new id,
// 32 upper-case hexadecimal digits from crypto/rand that no channel of the account has or had.
func (s *Server) PartnerCreateChannel(ctx context.Context, req gen.PartnerCreateChannelRequestObject) (gen.PartnerCreateChannelResponseObject, error) {
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.enterprise {
		return gen.PartnerCreateChannel422JSONResponse{CreateChannelUnprocessableEntityJSONResponse: gen.CreateChannelUnprocessableEntityJSONResponse(
			apiError(http.StatusUnprocessableEntity, msgCreateNeedsEnterprise))}, nil
	}
	if st.limits != nil && len(st.channels) >= st.limits.MaxChannels {
		return gen.PartnerCreateChannel503JSONResponse{ServiceUnavailableJSONResponse: st.full("channels", st.limits.MaxChannels)}, nil
	}
	id := st.newID()
	st.channels[canonical(id)] = &channel{Channel: Channel{ID: id, Type: req.Body.Type, Name: req.Body.Name}}
	return gen.PartnerCreateChannel201JSONResponse{Id: id}, nil
}

// ConnectMetaChannel implements gen.StrictServerInterface. It answers, in this order: 404
// for an unknown or deleted channel; 422 CHANNEL_TYPE_NOT_SUPPORTED unless the channel is
// META_WHATSAPP, CODE_ALREADY_USED for a code accepted before (on any channel), CODE_EXPIRED
// (see [Server.IssueCode], [Server.ExpireCode], [ExpiredCodePrefix], [WithStrictCodes]),
// INSTANCE_STILL_CONNECTED (disconnect first); 502 "Integration error" when upstream fails
// ([Server.FailUpstream], [UpstreamErrorPrefix]); 503 for a sandbox key that has used
// [SandboxConfig.MaxCodes]; else 200 {"success":true}: the code is consumed and the channel
// records wabaId, phoneId and coexistence ([Server.Channel]).
func (s *Server) ConnectMetaChannel(ctx context.Context, req gen.ConnectMetaChannelRequestObject) (gen.ConnectMetaChannelResponseObject, error) {
	body := *req.Body
	code := digest(body.Code)
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	ch := st.channels[canonical(req.ChannelId)]
	if ch == nil {
		return gen.ConnectMetaChannel404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse(apiError(http.StatusNotFound, msgChannelNotFound))}, nil
	}
	refuse := func(msg string) (gen.ConnectMetaChannelResponseObject, error) {
		return gen.ConnectMetaChannel422JSONResponse{UnprocessableEntityJSONResponse: gen.UnprocessableEntityJSONResponse(
			apiError(http.StatusUnprocessableEntity, msg))}, nil
	}
	if ch.Type != MetaWhatsApp {
		return refuse(msgTypeNotSupported)
	}
	if _, used := st.used[code]; used {
		return refuse(msgCodeAlreadyUsed)
	}
	if s.codeExpired(st, body.Code, code) {
		return refuse(msgCodeExpired)
	}
	if ch.Connected {
		return refuse(msgStillConnected)
	}
	if ch.failUpstream || strings.HasPrefix(body.Code, UpstreamErrorPrefix) {
		return gen.ConnectMetaChannel502JSONResponse{BadGatewayJSONResponse: gen.BadGatewayJSONResponse(apiError(http.StatusBadGateway, msgIntegrationError))}, nil
	}
	if st.limits != nil && len(st.used) >= st.limits.MaxCodes {
		return gen.ConnectMetaChannel503JSONResponse{ServiceUnavailableJSONResponse: st.full("used codes", st.limits.MaxCodes)}, nil
	}
	st.used[code] = struct{}{}
	ch.Connected, ch.WabaID, ch.PhoneID, ch.Coexistence = true, body.WabaId, body.PhoneId, body.Coexistence
	return gen.ConnectMetaChannel200JSONResponse{Success: true}, nil
}

// DisconnectMetaChannel implements gen.StrictServerInterface: 404 for an unknown or deleted
// channel; 502 "Integration error" when upstream fails ([Server.FailUpstream]); else the
// connection is cleared and the answer is 200 true, also for a channel that is not connected
// (of any type): the vendor documents no business-rule error for it and the spec reads true
// as "not connected now", so disconnect is idempotent.
func (s *Server) DisconnectMetaChannel(ctx context.Context, req gen.DisconnectMetaChannelRequestObject) (gen.DisconnectMetaChannelResponseObject, error) {
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	ch := st.channels[canonical(req.ChannelId)]
	if ch == nil {
		return gen.DisconnectMetaChannel404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse(apiError(http.StatusNotFound, msgChannelNotFound))}, nil
	}
	if ch.failUpstream {
		return gen.DisconnectMetaChannel502JSONResponse{BadGatewayJSONResponse: gen.BadGatewayJSONResponse(apiError(http.StatusBadGateway, msgIntegrationError))}, nil
	}
	disconnect(ch)
	return gen.DisconnectMetaChannel200JSONResponse(true), nil
}

// PartnerDeleteChannel implements gen.StrictServerInterface: 404 "Instance not found" for an
// unknown or deleted channel; 422 without the ENTERPRISE role ([WithEnterpriseRole]), then
// INSTANCE_STILL_CONNECTED, then INSTANCE_HAS_ACTIVE_SUBSCRIPTION ([SubscriptionStatus.Active]);
// 502 "Hermitage deleteChannel failed" when upstream fails ([Server.FailUpstream]); else 204.
// The id then answers 404 to every operation, for good: it is never issued or added again (a
// sandbox key's state forgets it at once, freeing its place: its ids are random and no Go API
// adds to it).
// cancelReason, when sent, is accepted and not kept.
func (s *Server) PartnerDeleteChannel(ctx context.Context, req gen.PartnerDeleteChannelRequestObject) (gen.PartnerDeleteChannelResponseObject, error) {
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	key := canonical(req.ChannelId)
	ch := st.channels[key]
	if ch == nil {
		return gen.PartnerDeleteChannel404JSONResponse{DeleteChannelNotFoundJSONResponse: gen.DeleteChannelNotFoundJSONResponse(
			apiError(http.StatusNotFound, msgInstanceNotFound))}, nil
	}
	refuse := func(msg string) (gen.PartnerDeleteChannelResponseObject, error) {
		return gen.PartnerDeleteChannel422JSONResponse{DeleteChannelUnprocessableEntityJSONResponse: gen.DeleteChannelUnprocessableEntityJSONResponse(
			apiError(http.StatusUnprocessableEntity, msg))}, nil
	}
	switch {
	case !st.enterprise:
		return refuse(msgDeleteNeedsEnterprise)
	case ch.Connected:
		return refuse(msgStillConnected)
	case ch.Subscription.Active():
		return refuse(msgActiveSubscription)
	case ch.failUpstream:
		return gen.PartnerDeleteChannel502JSONResponse{DeleteChannelBadGatewayJSONResponse: gen.DeleteChannelBadGatewayJSONResponse(
			apiError(http.StatusBadGateway, msgDeleteFailed))}, nil
	}
	if st.limits != nil {
		delete(st.channels, key)
	} else {
		st.channels[key] = nil
	}
	return gen.PartnerDeleteChannel204Response{}, nil
}

// apiError is the spec's Error body, which each typed error response of gen converts from.
func apiError(status int, msg string) gen.Error { return gen.Error{Error: status, Message: msg} }
