package clickhouse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	chdbpurego "github.com/chdb-io/chdb-go/chdb-purego"

	// Points chdb-go at this checkout's libchdb.so before chdb-go loads it.
	_ "github.com/meridian-cs/meridian/store/clickhouse/chdblib"
)

// ChDB is ClickHouse running inside this process. chDB allows one session per process, so Open
// hands out the same session to every caller in the process with the same path.
type ChDB struct {
	path string
	mu   sync.Mutex // chDB's connection is not safe for concurrent queries
	conn chdbpurego.ChdbConn
	// Finished statements that may have changed data, for Writes: inserts by the database
	// of their table (database name → *atomic.Uint64), every other one in unscoped.
	inserts  sync.Map
	unscoped atomic.Uint64
}

var (
	chdbMu   sync.Mutex
	chdbOpen *ChDB
	chdbRefs int
)

// backgroundNice is the nice value of chDB's merges and of the sinks' inserts on chDB.
const backgroundNice = 10

// OpenChDB opens (or joins) the in-process ClickHouse whose files live under path.
func OpenChDB(path string) (*ChDB, error) {
	chdbMu.Lock()
	defer chdbMu.Unlock()
	if chdbOpen != nil {
		if chdbOpen.path != path {
			return nil, fmt.Errorf("chdb: this process already uses %s; chDB allows one data path per process", chdbOpen.path)
		}
		chdbRefs++
		return chdbOpen, nil
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("chdb: %w", err)
	}
	conn, err := chdbpurego.NewConnectionFromConnString("file:" + path + "?" + engineSettings(runtime.NumCPU()))
	if err != nil {
		return nil, fmt.Errorf("chdb: open %s: %w", path, err)
	}
	chdbOpen = &ChDB{path: path, conn: conn}
	chdbRefs = 1
	return chdbOpen, nil
}

// engineSettings sizes the in-process engine's thread pools to the machine. ClickHouse's
// defaults suit a dedicated server: up to 128 threads to delete old parts and 1,000 idle
// threads kept for reuse. In chDB every thread it keeps holds allocator caches and buffers in
// this process's memory: with the defaults ~130 idle pool threads stayed and the server's RSS
// stepped up ~150 MB for good; with these, 28–30 threads and no step (BENCHMARKS.md).
//
// Merges run at a lower priority (nice backgroundNice) than the HTTP path whose
// acknowledgements share the cores with them.
func engineSettings(cpus int) string {
	return fmt.Sprintf("max_thread_pool_free_size=%d&max_parts_cleaning_thread_pool_size=%d&os_threads_nice_value_merge_mutate=%d",
		max(16, 4*cpus), max(2, cpus), backgroundNice)
}

func (c *ChDB) query(ctx context.Context, q, format string) ([]byte, error) {
	return c.queryParams(ctx, q, format, nil)
}

// queryParams runs q with params set in the session first, under the same lock, so no other
// query's parameters come in between. chDB has no API for parameters but SET param_<name>.
func (c *ChDB) queryParams(ctx context.Context, q, format string, params Params) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	set, err := setParams(params)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil, fmt.Errorf("chdb: closed")
	}
	if set != "" {
		res, err := c.conn.Query(set, "TabSeparated")
		if err != nil {
			return nil, fmt.Errorf("chdb: set parameters: %w", err)
		}
		if res != nil {
			res.Free()
		}
	}
	res, err := c.conn.Query(q, format)
	if err != nil {
		return nil, fmt.Errorf("chdb: %w", err)
	}
	if res == nil {
		return nil, nil
	}
	defer res.Free()
	return bytes.Clone(res.Buf()), nil
}

// Exec runs a statement that returns no rows.
func (c *ChDB) Exec(ctx context.Context, q string) error {
	defer c.unscoped.Add(1)
	_, err := c.query(ctx, q, "TabSeparated")
	return err
}

// Writes counts the finished statements that may have changed data in database: inserts into
// its tables and every statement but a query or an insert (DDL, mutations, erasure), whatever
// it touched. As long as it stays the same, no data in database changed: this process alone
// writes to its path, and the schema has no materialized view that would carry an insert into
// another database.
func (c *ChDB) Writes(database string) uint64 {
	n := c.unscoped.Load()
	if v, ok := c.inserts.Load(database); ok {
		n += v.(*atomic.Uint64).Load()
	}
	return n
}

// wrote counts a finished insert into table ("db.table" or "db.table (columns)"); one whose
// database is not named counts for every database.
func (c *ChDB) wrote(table string) {
	db, _, ok := strings.Cut(table, ".")
	if !ok || strings.ContainsAny(db, " `\"(") {
		c.unscoped.Add(1)
		return
	}
	v, _ := c.inserts.LoadOrStore(db, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(1)
}

// Insert runs one INSERT. The rows go through a file (FROM INFILE) rather than inline in the
// query text, which chDB parses several times slower.
func (c *ChDB) Insert(ctx context.Context, table, format string, data []byte, settings ...string) error {
	defer c.wrote(table)
	f, err := os.CreateTemp(c.path, ".insert-*")
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("insert into %s: spool rows: %w", table, werr)
	}
	q := "INSERT INTO " + table + " FROM INFILE " + Quote(name) + settingsClause(settings) + " FORMAT " + format
	if _, err := c.query(ctx, q, "TabSeparated"); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// settingsClause is " SETTINGS a = 1, b = 2", or nothing.
func settingsClause(settings []string) string {
	if len(settings) == 0 {
		return ""
	}
	return " SETTINGS " + strings.Join(settings, ", ")
}

// InsertNative inserts a block in ClickHouse's Native format. It is read straight from the
// file: through SELECT … FROM file() with the block's structure given, as before, an insert
// took ~5 ms longer at 1 to 20,000 rows (BENCHMARKS.md, "chDB batches read straight from the file").
func (c *ChDB) InsertNative(ctx context.Context, table string, block []byte, settings ...string) error {
	return c.Insert(ctx, table, "Native", block, settings...)
}

// Query runs a SELECT and decodes its JSONCompact output.
func (c *ChDB) Query(ctx context.Context, q string) (*Result, error) {
	return c.QueryParams(ctx, q, nil)
}

// QueryParams runs a SELECT with server-side parameters and decodes its JSONCompact output.
func (c *ChDB) QueryParams(ctx context.Context, q string, params Params) (*Result, error) {
	out, err := c.queryParams(ctx, q, "JSONCompact", params)
	if err != nil {
		return nil, err
	}
	return decodeJSONCompact(out)
}

// Ping checks that the engine answers.
func (c *ChDB) Ping(ctx context.Context) error {
	_, err := c.query(ctx, "SELECT 1", "TabSeparated") // a read: Writes stays
	return err
}

// Close releases this handle; the session closes with the last one.
func (c *ChDB) Close() error {
	chdbMu.Lock()
	defer chdbMu.Unlock()
	chdbRefs--
	if chdbRefs > 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	chdbOpen = nil
	return nil
}

func decodeJSONCompact(out []byte) (*Result, error) {
	if len(bytes.TrimSpace(out)) == 0 {
		return &Result{}, nil
	}
	var doc struct {
		Meta []Column `json:"meta"`
		Data [][]any  `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("chdb: decode result: %w", err)
	}
	return &Result{Columns: doc.Meta, Rows: doc.Data}, nil
}
