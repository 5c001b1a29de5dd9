package mockserver

import (
	"context"
	"net/http"
	"strings"

	"github.com/hubmessage/hubmessage-go/gen"
)

// The channel lifecycle, one method per operation of the spec (gen.StrictServerInterface).
// Each runs on the state of the request's account (see stateFor) under its lock, so every
// call is atomic: checks and change alike. The package documentation gives each order of checks.

// PartnerCreateChannel implements gen.StrictServerInterface: it creates a channel with a new
// id, 32 upper-case hexadecimal digits that no channel of the account has or had.
func (s *Server) PartnerCreateChannel(ctx context.Context, req gen.PartnerCreateChannelRequestObject) (gen.PartnerCreateChannelResponseObject, error) {
	if req.Body == nil {
		return gen.PartnerCreateChannel400JSONResponse{CreateChannelBadRequestJSONResponse: gen.CreateChannelBadRequestJSONResponse(badRequest("request body: is missing"))}, nil
	}
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.enterprise {
		return gen.PartnerCreateChannel422JSONResponse{CreateChannelUnprocessableEntityJSONResponse: gen.CreateChannelUnprocessableEntityJSONResponse(
			unprocessable(msgCreateNeedsEnterprise))}, nil
	}
	id := st.newID()
	st.channels[canonical(id)] = &channel{Channel: Channel{ID: id, Type: req.Body.Type, Name: req.Body.Name}}
	return gen.PartnerCreateChannel201JSONResponse{Id: id}, nil
}

// ConnectMetaChannel implements gen.StrictServerInterface: it connects a META_WHATSAPP
// channel, consuming the request's code.
func (s *Server) ConnectMetaChannel(ctx context.Context, req gen.ConnectMetaChannelRequestObject) (gen.ConnectMetaChannelResponseObject, error) {
	if req.Body == nil {
		return gen.ConnectMetaChannel400JSONResponse{BadRequestJSONResponse: badRequest("request body: is missing")}, nil
	}
	body := *req.Body
	code := digest(body.Code)

	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	ch, ok := st.channels[canonical(req.ChannelId)]
	if !ok {
		return gen.ConnectMetaChannel404JSONResponse{NotFoundJSONResponse: notFound(msgChannelNotFound)}, nil
	}
	refuse := func(msg string) (gen.ConnectMetaChannelResponseObject, error) {
		return gen.ConnectMetaChannel422JSONResponse{UnprocessableEntityJSONResponse: unprocessable(msg)}, nil
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
		return gen.ConnectMetaChannel502JSONResponse{BadGatewayJSONResponse: badGateway(msgIntegrationError)}, nil
	}
	st.used[code] = struct{}{}
	ch.Connected, ch.WabaID, ch.PhoneID, ch.Coexistence = true, body.WabaId, body.PhoneId, body.Coexistence
	return gen.ConnectMetaChannel200JSONResponse{Success: true}, nil
}

// DisconnectMetaChannel implements gen.StrictServerInterface: it clears the channel's
// connection and answers true. It is idempotent: a channel that is not connected (of any
// type) is answered true too, since true means "not connected now".
func (s *Server) DisconnectMetaChannel(ctx context.Context, req gen.DisconnectMetaChannelRequestObject) (gen.DisconnectMetaChannelResponseObject, error) {
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	ch, ok := st.channels[canonical(req.ChannelId)]
	if !ok {
		return gen.DisconnectMetaChannel404JSONResponse{NotFoundJSONResponse: notFound(msgChannelNotFound)}, nil
	}
	if ch.failUpstream {
		return gen.DisconnectMetaChannel502JSONResponse{BadGatewayJSONResponse: badGateway(msgIntegrationError)}, nil
	}
	disconnect(ch)
	return gen.DisconnectMetaChannel200JSONResponse(true), nil
}

// PartnerDeleteChannel implements gen.StrictServerInterface: it deletes the channel for good.
// Its id then answers 404 to every operation and is never issued again. cancelReason, when
// sent, is accepted and not kept.
func (s *Server) PartnerDeleteChannel(ctx context.Context, req gen.PartnerDeleteChannelRequestObject) (gen.PartnerDeleteChannelResponseObject, error) {
	st := s.stateFor(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	key := canonical(req.ChannelId)
	ch, ok := st.channels[key]
	if !ok {
		return gen.PartnerDeleteChannel404JSONResponse{DeleteChannelNotFoundJSONResponse: gen.DeleteChannelNotFoundJSONResponse(notFound(msgInstanceNotFound))}, nil
	}
	refuse := func(msg string) (gen.PartnerDeleteChannelResponseObject, error) {
		return gen.PartnerDeleteChannel422JSONResponse{DeleteChannelUnprocessableEntityJSONResponse: gen.DeleteChannelUnprocessableEntityJSONResponse(
			unprocessable(msg))}, nil
	}
	switch {
	case !st.enterprise:
		return refuse(msgDeleteNeedsEnterprise)
	case ch.Connected:
		return refuse(msgStillConnected)
	case ch.Subscription.Active():
		return refuse(msgActiveSubscription)
	case ch.failUpstream:
		return gen.PartnerDeleteChannel502JSONResponse{DeleteChannelBadGatewayJSONResponse: gen.DeleteChannelBadGatewayJSONResponse(badGateway(msgDeleteFailed))}, nil
	}
	delete(st.channels, key)
	st.deleted[key] = struct{}{}
	return gen.PartnerDeleteChannel204Response{}, nil
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
