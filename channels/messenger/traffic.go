package messenger

import (
	"encoding/json"
	"time"
)

// TextDelivery is the webhook body Messenger posts for one text message from psid to the
// page pageID, for generated traffic and tests; sign it with meta.Sign.
func TextDelivery(pageID, psid, mid, text string, at time.Time) []byte {
	return textDelivery("page", pageID, psid, mid, text, at)
}

// InstagramTextDelivery is the webhook body Instagram posts for one text message from igsid
// to the Instagram account igID.
func InstagramTextDelivery(igID, igsid, mid, text string, at time.Time) []byte {
	return textDelivery("instagram", igID, igsid, mid, text, at)
}

func textDelivery(object, account, sender, mid, text string, at time.Time) []byte {
	type obj = map[string]any
	b, err := json.Marshal(obj{
		"object": object,
		"entry": []obj{{
			"id":   account,
			"time": at.UnixMilli(),
			"messaging": []obj{{
				"sender":    obj{"id": sender},
				"recipient": obj{"id": account},
				"timestamp": at.UnixMilli(),
				"message":   obj{"mid": mid, "text": text},
			}},
		}},
	})
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return b
}
