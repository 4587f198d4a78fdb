package line_test

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/meridian-cs/meridian/channels/line"
)

// A traffic generator builds a delivery and signs it the way LINE does.
func ExampleSign() {
	body := line.TextDelivery("Ubot", "Uuser", "01HEVENT", "こんにちは", time.Unix(1765072800, 0))
	req, _ := http.NewRequest(http.MethodPost, "http://localhost:8080/webhooks/line", bytes.NewReader(body))
	req.Header.Set(line.SignatureHeader, line.Sign("channel-secret", body))
	fmt.Println(len(req.Header.Get(line.SignatureHeader)))
	// Output: 44
}
