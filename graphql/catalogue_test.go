package graphql_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/models"
)

// The channels and consent purposes a client offers are the server's own lists, for any
// key; channels say which this server has on.
func TestChannelsAndConsentPurposesAreTheServersLists(t *testing.T) {
	on := []string{"email", "line"}
	h := graphql.NewHandler(graphql.Config{Engine: engine, ChannelsOn: on})
	const q = `{ channels { name configured } consentPurposes }`
	for _, role := range auth.Roles() {
		var data struct {
			Channels []struct {
				Name       string
				Configured bool
			}
			ConsentPurposes []string
		}
		do(t, h, principal(role), q, nil, &data)
		var names []string
		for _, c := range data.Channels {
			names = append(names, c.Name)
			if c.Configured != slices.Contains(on, c.Name) {
				t.Errorf("%s: %s configured = %v, want %v", role, c.Name, c.Configured, !c.Configured)
			}
		}
		if !slices.Equal(names, models.Channels) {
			t.Errorf("%s: channels %v, want %v", role, names, models.Channels)
		}
		if !slices.Equal(data.ConsentPurposes, channels.Purposes) {
			t.Errorf("%s: consentPurposes %v, want %v", role, data.ConsentPurposes, channels.Purposes)
		}
	}
	if _, body := post(t, h, nil, q, nil); !strings.Contains(body, "no API key") || strings.Contains(body, `"data"`) {
		t.Errorf("without a key: %s", body)
	}
	// A server without channels has none on.
	var data struct{ Channels []struct{ Configured bool } }
	do(t, graphql.NewHandler(graphql.Config{Engine: engine}), principal(auth.RoleAgent), `{ channels { configured } }`, nil, &data)
	if len(data.Channels) != len(models.Channels) || slices.ContainsFunc(data.Channels, func(c struct{ Configured bool }) bool { return c.Configured }) {
		t.Errorf("no channels on: %+v", data.Channels)
	}
}
