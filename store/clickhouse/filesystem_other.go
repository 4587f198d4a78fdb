//go:build !linux

package clickhouse

// FilesystemWarning knows of no filesystem to warn about outside Linux.
func FilesystemWarning(string) string { return "" }
