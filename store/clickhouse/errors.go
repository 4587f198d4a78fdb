package clickhouse

import (
	"regexp"
	"strconv"
	"strings"
)

// DataError is an insert that ClickHouse refused because of the rows, not because of the
// server: storing the same rows again fails the same way. The sink splits such a batch to
// find the events at fault instead of retrying it forever.
type DataError struct{ Err error }

func (e *DataError) Error() string   { return e.Err.Error() }
func (e *DataError) Unwrap() error   { return e.Err }
func (e *DataError) Permanent() bool { return true }

// dataErrorCodes are ClickHouse error codes a row's content causes (parsing, types, ranges).
var dataErrorCodes = map[int]bool{
	6: true, 7: true, 25: true, 26: true, 27: true, 32: true, 33: true, 38: true, 41: true, 53: true,
	69: true, 70: true, 72: true, 117: true, 128: true, 131: true, 321: true, 349: true, 376: true, 407: true,
	565: true, // TOO_MANY_PARTITIONS
}

// chDB writes "Code: 6. DB::Exception", clickhouse-go "code: 6, message".
var errorCode = regexp.MustCompile(`(?i)\bcode: (\d+)`)

// classify marks an insert error caused by the rows as a DataError.
func classify(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	// Code 252 is also "too many parts" (merges behind: transient), so the partitions case is
	// told by its message.
	if strings.Contains(msg, "Too many partitions for single INSERT block") {
		return &DataError{err}
	}
	if m := errorCode.FindStringSubmatch(msg); m != nil {
		if code, _ := strconv.Atoi(m[1]); dataErrorCodes[code] {
			return &DataError{err}
		}
	}
	return err
}
