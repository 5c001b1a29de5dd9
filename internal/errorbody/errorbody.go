// Package errorbody writes the API's error body, {"error":<status>,"message":"…"}, the one
// shape every non-2xx answer of this kit's servers and middleware has.
package errorbody

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Body is the API's error shape.
type Body struct {
	Error   int    `json:"error"`
	Message string `json:"message"`
}

// Write answers status with the error body carrying message.
func Write(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(Body{Error: status, Message: message}) // cannot fail: an int and a string
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
