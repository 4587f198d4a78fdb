// Package eventjson is a hand-written JSON codec for models.Event, the one type on Meridian's
// hot path: every event is decoded at ingest and, when the topics carry JSON
// (MERIDIAN_KAFKA_VALUE_FORMAT=json, or a log written before protobuf became the default),
// encoded as a Kafka message value and decoded again by every sink. The reflection-driven
// codecs spent about a quarter of the server's CPU there; this one walks the fields directly
// and allocates only what the event keeps.
//
// It is a drop-in, not a dialect:
//
//   - Append writes exactly the bytes github.com/goccy/go-json's MarshalNoEscape wrote before
//     it (field order, omitempty, HTML and U+2028/U+2029 escaping, invalid UTF-8 as \ufffd,
//     float and time formatting, sorted attributes), so messages on the topics do not change.
//   - DecodeObject and DecodeArray accept a deliberately small, strict subset of JSON and
//     report false for anything else (unknown, duplicate or differently cased keys, invalid
//     UTF-8, numbers the field cannot hold, ...). Callers then fall back to the general
//     decoders. Whatever they accept decodes to exactly what encoding/json with
//     DisallowUnknownFields gives. That includes null wherever encoding/json takes it in an
//     event or as an array's event (Jackson writes "field": null for absent fields by
//     default), but not in place of the object DecodeObject reads.
//
// Both promises are checked by differential tests and fuzz targets against go-json and
// encoding/json; a change to models.Event needs a matching change here, and those tests fail
// until it is made. go-json in its place was measured on 2026-12-07 (BENCHMARKS.md,
// "Generated event codecs"): its decoder takes raw control characters in strings, which
// encoding/json and ingest refuse, and both directions cost more.
package eventjson
