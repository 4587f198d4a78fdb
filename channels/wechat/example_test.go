package wechat_test

import (
	"fmt"
	"net/url"

	"github.com/meridian-cs/meridian/channels/wechat"
)

// A traffic generator signs the push URL the way WeChat does; the XML body
// (wechat.TextDelivery) is not signed in plain mode.
func ExampleSignature() {
	ts, nonce := "1409659813", "1372623149"
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wechat.Signature("token", ts, nonce)}}
	fmt.Println(q.Get("signature"))
	// Output: 74ec3ddbfdaa9e34666e94a046804051e80c7749
}
