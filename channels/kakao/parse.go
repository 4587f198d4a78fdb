package kakao

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/httpapi"
)

type named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type skillRequest struct {
	Intent      *named `json:"intent"`
	UserRequest *struct {
		Timezone    string         `json:"timezone"`
		Utterance   string         `json:"utterance"`
		Lang        string         `json:"lang"`
		CallbackURL string         `json:"callbackUrl"`
		Block       *named         `json:"block"`
		Params      map[string]any `json:"params"`
		User        *struct {
			ID         string         `json:"id"`
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		} `json:"user"`
	} `json:"userRequest"`
	Bot    *named `json:"bot"`
	Action *struct {
		ID     string         `json:"id"`
		Name   string         `json:"name"`
		Params map[string]any `json:"params"`
	} `json:"action"`
}

// Parse reads a verified skill request: one utterance of one user. Kakao gives the request no
// id, so the message id is a digest of the user, the utterance and the whole body: a
// redelivery of the same body counts once. (Without a callback URL, which is unique per
// request, the same user sending the same words to the same block twice produces the same
// body and also counts once.)
func (c *Channel) Parse(_ *http.Request, body []byte) (*channels.Delivery, error) {
	var req skillRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("kakao: body is not a skill request: %v: %w", err, channels.ErrFormat)
	}
	u := req.UserRequest
	if u == nil || u.User == nil || u.User.ID == "" || req.Bot == nil || req.Bot.ID == "" {
		return nil, fmt.Errorf("kakao: skill request without userRequest.user.id or bot.id: %w", channels.ErrFormat)
	}
	m := channels.Message{
		ID:         MessageID(u.User.ID, u.Utterance, body),
		Account:    req.Bot.ID,
		Timestamp:  c.now().UTC(),
		Kind:       "utterance",
		From:       channels.Sender{ID: u.User.ID, Locale: u.Lang},
		Text:       u.Utterance,
		ReplyToken: u.CallbackURL,
		Attributes: map[string]string{},
	}
	attr := m.Attributes
	set(attr, "user_type", u.User.Type)
	set(attr, "timezone", u.Timezone)
	for k, v := range u.User.Properties {
		set(attr, channels.AttributeKey(k), text(v))
	}
	if u.Block != nil {
		set(attr, "block_id", u.Block.ID)
		set(attr, "block_name", u.Block.Name)
	}
	if req.Intent != nil {
		set(attr, "intent_id", req.Intent.ID)
		set(attr, "intent_name", req.Intent.Name)
	}
	set(attr, "surface", text(u.Params["surface"]))
	if req.Action != nil {
		set(attr, "action_name", req.Action.Name)
		for k, v := range req.Action.Params {
			set(attr, "param_"+channels.AttributeKey(k), text(v))
		}
	}
	if m.Text == "" {
		// A block reached by a button or event rather than typed words.
		m.Kind = "block"
	}
	ack := c.ack
	callback := u.CallbackURL != ""
	return &channels.Delivery{
		Messages: []channels.Message{m},
		Respond: func(w http.ResponseWriter) {
			if callback {
				// The agent's reply goes to the callback URL; Kakao shows the ack meanwhile.
				httpapi.WriteJSON(w, http.StatusOK, map[string]any{"version": "2.0", "useCallback": true, "data": map[string]string{"text": ack}})
				return
			}
			httpapi.WriteJSON(w, http.StatusOK, skillResponse([]string{ack}))
		},
	}, nil
}

// MessageID is the id a skill request becomes (Kakao gives none): a digest of the user, the
// utterance and the whole body, so a redelivered body counts once.
func MessageID(user, utterance string, body []byte) string {
	bodySum := sha256.Sum256(body)
	h := sha256.New()
	for _, part := range []string{user, utterance, string(bodySum[:])} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "kakao:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// skillResponse is the version 2.0 skill response of simpleText outputs.
func skillResponse(texts []string) map[string]any {
	outputs := make([]any, 0, len(texts))
	for _, t := range texts {
		outputs = append(outputs, map[string]any{"simpleText": map[string]string{"text": t}})
	}
	return map[string]any{"version": "2.0", "template": map[string]any{"outputs": outputs}}
}

// text renders a JSON value as an attribute: strings as they are, the rest as JSON.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func set(attr map[string]string, k, v string) {
	if v != "" && k != "" {
		attr[k] = v
	}
}

// TextDelivery is a skill request of one utterance from userID to botID, shaped as Open
// Builder sends it (for the demo's traffic generator and tests); callbackURL may be empty.
func TextDelivery(botID, userID, utterance, callbackURL string) []byte {
	u := map[string]any{
		"timezone":  "Asia/Seoul",
		"params":    map[string]string{"ignoreMe": "true", "surface": "Kakaotalk.plusfriend"},
		"block":     map[string]string{"id": "5f3c0ffee0a1b2c3d4e5f601", "name": "폴백 블록"},
		"utterance": utterance,
		"lang":      "ko",
		"user": map[string]any{
			"id":         userID,
			"type":       "botUserKey",
			"properties": map[string]any{"plusfriendUserKey": "pf-" + userID, "isFriend": true},
		},
	}
	if callbackURL != "" {
		u["callbackUrl"] = callbackURL
	}
	b, _ := json.Marshal(map[string]any{
		"intent":      map[string]any{"id": "5f3c0ffee0a1b2c3d4e5f601", "name": "폴백 블록"},
		"userRequest": u,
		"bot":         map[string]string{"id": botID, "name": "Meridian Shop"},
		"action":      map[string]any{"id": "5f3c0ffee0a1b2c3d4e5f6aa", "name": "meridian", "params": map[string]any{}, "detailParams": map[string]any{}, "clientExtra": map[string]any{}},
	})
	return b
}
