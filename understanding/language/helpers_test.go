package language

import (
	"sync"
	"testing"
)

var (
	sharedOnce sync.Once
	shared     *Detector
	sharedErr  error
)

// testDetector is the embedded default, built once for the package's tests (loading takes
// seconds; lingua-go's models are process-wide anyway).
func testDetector(t testing.TB) *Detector {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New(Config{}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}
