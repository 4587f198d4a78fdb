package stream

import "testing"

func TestRedactPaths(t *testing.T) {
	for in, want := range map[string]string{
		"failed to connect to `host=/tmp/pg-123/run user=meridian database=meridian`: dial error (dial unix /tmp/pg-123/run/.s.PGSQL.5432: connect: no such file or directory)": "failed to connect to `host=<path> user=meridian database=meridian`: dial error (dial unix <path>: connect: no such file or directory)",
		"chdb: open /work/var/clickhouse: locked": "chdb: open <path>: locked",
		"Content-Type application/json refused":   "Content-Type application/json refused",
		"/abs at start":                           "<path> at start",
	} {
		if got := RedactPaths(in); got != want {
			t.Errorf("RedactPaths(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
