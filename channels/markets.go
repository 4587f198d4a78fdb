package channels

import (
	"fmt"
	"strings"

	"github.com/meridian-cs/meridian/models"
)

// Markets says which country each channel account serves (MERIDIAN_CHANNEL_MARKETS): a
// customer the account reaches is placed there when no phone number says otherwise.
type Markets map[string]string // "channel" or "channel:account" → ISO 3166-1 country

// ParseMarkets reads CHANNEL[:ACCOUNT]=CC,... .
func ParseMarkets(spec string) (Markets, error) {
	m := Markets{}
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		k, v, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, fmt.Errorf("channel market %q: want CHANNEL[:ACCOUNT]=COUNTRY", entry)
		}
		ch, _, _ := strings.Cut(k, ":")
		if !models.ValidChannel(ch) {
			return nil, fmt.Errorf("channel market %q: unknown channel %q", entry, ch)
		}
		c, ok := models.CanonicalCountry(v)
		if !ok {
			return nil, fmt.Errorf("channel market %q: %q is not an ISO 3166-1 country", entry, v)
		}
		m[k] = c
	}
	return m, nil
}

// Country returns the market of an account, or of its channel.
func (m Markets) Country(channel, account string) (string, bool) {
	if c, ok := m[channel+":"+account]; ok {
		return c, true
	}
	c, ok := m[channel]
	return c, ok
}
