package whatsapp

import (
	"encoding/json"
	"strconv"
	"time"
)

// TextDelivery is the webhook body WhatsApp posts for one text message from waID (digits,
// no '+') to phoneNumberID, for generated traffic and tests; sign it with meta.Sign. The
// entry id, the business account's id, is the phone number id here.
func TextDelivery(phoneNumberID, waID, name, wamid, text string, at time.Time) []byte {
	type obj = map[string]any
	b, err := json.Marshal(obj{
		"object": "whatsapp_business_account",
		"entry": []obj{{
			"id": phoneNumberID,
			"changes": []obj{{
				"field": "messages",
				"value": obj{
					"messaging_product": "whatsapp",
					"metadata":          obj{"display_phone_number": phoneNumberID, "phone_number_id": phoneNumberID},
					"contacts":          []obj{{"profile": obj{"name": name}, "wa_id": waID}},
					"messages": []obj{{
						"from":      waID,
						"id":        wamid,
						"timestamp": strconv.FormatInt(at.Unix(), 10),
						"type":      "text",
						"text":      obj{"body": text},
					}},
				},
			}},
		}},
	})
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return b
}
