package demo

import (
	"time"
	_ "time/tzdata" // the generator must not depend on the host's zoneinfo
)

// market is one country the demo tenant sells in.
type market struct {
	country  string
	weight   float64 // share of contacts
	callCode string
	zones    []zone
	locales  []weighted[string] // BCP 47 tags; the corpus key is corpusKey(tag)
	channels []weighted[string]
	weekend  [2]time.Weekday
	sea      bool // South-East Asia: the hot, humid markets of the planted product need
	na       bool // North America, for the price-sensitivity signal
	eu       bool // EU/EEA/UK
}

type zone struct {
	name  string
	share float64
}

type weighted[T any] struct {
	v T
	w float64
}

// pick chooses by weight; weights need not sum to 1.
func pick[T any](r *rng, ws []weighted[T]) T {
	var total float64
	for _, x := range ws {
		total += x.w
	}
	u := r.float() * total
	for _, x := range ws {
		if u < x.w {
			return x.v
		}
		u -= x.w
	}
	return ws[len(ws)-1].v
}

type ws = []weighted[string]

var satSun = [2]time.Weekday{time.Saturday, time.Sunday}

// Channel mixes: WhatsApp across Europe, Latin America and most of South-East Asia; LINE in
// Thailand, Japan and Taiwan; KakaoTalk in Korea; WeChat in China; web chat and e-mail
// strongest in North America.
var (
	euMix    = ws{{"whatsapp", 38}, {"email", 20}, {"webchat", 20}, {"messenger", 8}, {"instagram", 8}, {"telegram", 2}, {"voice", 4}}
	naMix    = ws{{"webchat", 34}, {"email", 28}, {"messenger", 14}, {"instagram", 10}, {"whatsapp", 6}, {"voice", 8}}
	latamMix = ws{{"whatsapp", 62}, {"instagram", 13}, {"messenger", 12}, {"webchat", 7}, {"email", 6}}
	seaMix   = ws{{"whatsapp", 48}, {"messenger", 22}, {"instagram", 12}, {"webchat", 10}, {"email", 5}, {"telegram", 3}}
	gulfMix  = ws{{"whatsapp", 60}, {"instagram", 12}, {"webchat", 14}, {"email", 9}, {"messenger", 5}}
)

var markets = []*market{
	{country: "DE", weight: 9, callCode: "49", zones: []zone{{"Europe/Berlin", 1}}, locales: ws{{"de", 1}}, channels: ws{{"whatsapp", 30}, {"email", 28}, {"webchat", 24}, {"messenger", 6}, {"instagram", 6}, {"voice", 6}}, eu: true},
	{country: "FR", weight: 6, callCode: "33", zones: []zone{{"Europe/Paris", 1}}, locales: ws{{"fr", 1}}, channels: euMix, eu: true},
	{country: "ES", weight: 5, callCode: "34", zones: []zone{{"Europe/Madrid", 1}}, locales: ws{{"es-ES", 1}}, channels: ws{{"whatsapp", 55}, {"email", 15}, {"webchat", 15}, {"instagram", 10}, {"messenger", 5}}, eu: true},
	{country: "IT", weight: 4, callCode: "39", zones: []zone{{"Europe/Rome", 1}}, locales: ws{{"it", 1}}, channels: ws{{"whatsapp", 55}, {"email", 15}, {"webchat", 14}, {"instagram", 10}, {"messenger", 6}}, eu: true},
	{country: "NL", weight: 3, callCode: "31", zones: []zone{{"Europe/Amsterdam", 1}}, locales: ws{{"nl", 9}, {"en-GB", 1}}, channels: euMix, eu: true},
	{country: "GB", weight: 7, callCode: "44", zones: []zone{{"Europe/London", 1}}, locales: ws{{"en-GB", 1}}, channels: ws{{"whatsapp", 28}, {"email", 24}, {"webchat", 26}, {"messenger", 10}, {"instagram", 8}, {"voice", 4}}, eu: true},
	{country: "SE", weight: 2, callCode: "46", zones: []zone{{"Europe/Stockholm", 1}}, locales: ws{{"sv", 85}, {"en-GB", 15}}, channels: euMix, eu: true},
	{country: "PL", weight: 3, callCode: "48", zones: []zone{{"Europe/Warsaw", 1}}, locales: ws{{"pl", 1}}, channels: ws{{"messenger", 30}, {"whatsapp", 25}, {"email", 20}, {"webchat", 20}, {"telegram", 5}}, eu: true},
	{country: "US", weight: 14, callCode: "1", zones: []zone{{"America/New_York", 50}, {"America/Chicago", 30}, {"America/Los_Angeles", 20}}, locales: ws{{"en-US", 85}, {"es-US", 15}}, channels: naMix, na: true},
	{country: "CA", weight: 3, callCode: "1", zones: []zone{{"America/Toronto", 60}, {"America/Vancouver", 40}}, locales: ws{{"en-CA", 75}, {"fr-CA", 25}}, channels: naMix, na: true},
	{country: "MX", weight: 4, callCode: "52", zones: []zone{{"America/Mexico_City", 1}}, locales: ws{{"es-MX", 1}}, channels: latamMix},
	{country: "BR", weight: 5, callCode: "55", zones: []zone{{"America/Sao_Paulo", 1}}, locales: ws{{"pt-BR", 1}}, channels: latamMix},
	{country: "SG", weight: 3, callCode: "65", zones: []zone{{"Asia/Singapore", 1}}, locales: ws{{"en-GB", 60}, {"zh-Hans", 30}, {"ms", 10}}, channels: seaMix, sea: true},
	{country: "MY", weight: 3, callCode: "60", zones: []zone{{"Asia/Kuala_Lumpur", 1}}, locales: ws{{"ms", 50}, {"en-GB", 30}, {"zh-Hans", 20}}, channels: seaMix, sea: true},
	{country: "TH", weight: 4, callCode: "66", zones: []zone{{"Asia/Bangkok", 1}}, locales: ws{{"th", 1}}, channels: ws{{"line", 55}, {"messenger", 22}, {"instagram", 8}, {"webchat", 8}, {"email", 4}, {"whatsapp", 3}}, sea: true},
	{country: "ID", weight: 5, callCode: "62", zones: []zone{{"Asia/Jakarta", 1}}, locales: ws{{"id", 1}}, channels: seaMix, sea: true},
	{country: "PH", weight: 4, callCode: "63", zones: []zone{{"Asia/Manila", 1}}, locales: ws{{"en-US", 1}}, channels: ws{{"messenger", 55}, {"whatsapp", 12}, {"instagram", 10}, {"webchat", 13}, {"email", 7}, {"voice", 3}}, sea: true},
	{country: "VN", weight: 3, callCode: "84", zones: []zone{{"Asia/Ho_Chi_Minh", 1}}, locales: ws{{"vi", 1}}, channels: ws{{"messenger", 55}, {"whatsapp", 15}, {"webchat", 15}, {"email", 8}, {"instagram", 7}}, sea: true},
	{country: "JP", weight: 5, callCode: "81", zones: []zone{{"Asia/Tokyo", 1}}, locales: ws{{"ja", 1}}, channels: ws{{"line", 55}, {"email", 20}, {"webchat", 18}, {"instagram", 4}, {"voice", 3}}},
	{country: "KR", weight: 4, callCode: "82", zones: []zone{{"Asia/Seoul", 1}}, locales: ws{{"ko", 1}}, channels: ws{{"kakaotalk", 70}, {"webchat", 14}, {"email", 10}, {"instagram", 6}}},
	{country: "SA", weight: 2, callCode: "966", zones: []zone{{"Asia/Riyadh", 1}}, locales: ws{{"ar", 9}, {"en-GB", 1}}, channels: gulfMix, weekend: [2]time.Weekday{time.Friday, time.Saturday}},
	{country: "AE", weight: 2, callCode: "971", zones: []zone{{"Asia/Dubai", 1}}, locales: ws{{"ar", 5}, {"en-GB", 5}}, channels: gulfMix},
	{country: "CN", weight: 3, callCode: "86", zones: []zone{{"Asia/Shanghai", 1}}, locales: ws{{"zh-Hans", 1}}, channels: ws{{"wechat", 85}, {"webchat", 10}, {"email", 5}}},
	{country: "TW", weight: 2, callCode: "886", zones: []zone{{"Asia/Taipei", 1}}, locales: ws{{"zh-Hant", 1}}, channels: ws{{"line", 60}, {"messenger", 20}, {"webchat", 10}, {"email", 10}}},
}

// corpusKey maps a locale to the texts written in it (regional variants share a corpus).
func corpusKey(tag string) string {
	switch tag {
	case "zh-Hans", "zh-Hant":
		return tag
	}
	if len(tag) > 2 && tag[2] == '-' {
		return tag[:2]
	}
	return tag
}

// Daily rhythm in the customer's local time, relative to the busiest hour: quiet at night,
// a late-morning peak, a lunch dip and an evening peak. Weekends start later and lean towards
// the evening.
var (
	weekdayCurve = [24]float64{.10, .06, .04, .03, .03, .05, .12, .30, .55, .80, .95, 1, .85, .80, .82, .80, .75, .72, .78, .88, .92, .80, .50, .25}
	weekendCurve = [24]float64{.14, .08, .05, .03, .03, .03, .06, .12, .25, .42, .58, .66, .65, .62, .60, .60, .60, .62, .68, .78, .82, .72, .48, .26}
)

// shape is the relative contact rate at a local wall-clock time.
func (m *market) shape(local time.Time) float64 {
	d := local.Weekday()
	if d == m.weekend[0] || d == m.weekend[1] {
		return weekendCurve[local.Hour()]
	}
	return weekdayCurve[local.Hour()]
}

func init() {
	for _, m := range markets {
		if m.weekend == ([2]time.Weekday{}) {
			m.weekend = satSun
		}
	}
}

// ChannelCountries lists, for each channel, the countries (ISO 3166-1) whose customers write
// on it, in the order of the markets.
func ChannelCountries() map[string][]string {
	out := map[string][]string{}
	for _, m := range markets {
		for _, c := range m.channels {
			out[c.v] = append(out[c.v], m.country)
		}
	}
	return out
}
