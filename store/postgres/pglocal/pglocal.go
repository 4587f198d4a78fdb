// Package pglocal runs a local PostgreSQL cluster from the installed Debian binaries, for the
// embedded (one machine) default and for tests: Meridian then needs no database server set up
// by hand, and tests run against the real engine.
//
// The cluster listens only on a unix socket inside its own directory (listen_addresses is
// empty), with trust authentication: nothing outside the machine can reach it, and on the
// machine only the cluster's owner (and root) can open the socket's directory. The socket file
// is named after port 5432 but no TCP port is used, so any number of clusters can run side by
// side without picking ports.
//
// PostgreSQL refuses to run as root. Started by root, pglocal runs initdb and postgres as the
// "postgres" system user that Debian's package creates (or a "meridian" system user it creates
// if that one is missing) and gives the data directory to that user. That user must be able to
// reach the directory: if one of its parents is closed to it (a directory under /root, or a
// test's temporary directory, both 0700), the cluster's data is kept instead under
// /var/lib/meridian/pglocal/<hash of dir> and dir holds only a file pointing there
// (see DataDir). Such a cluster is removed when another is relocated after its directory was
// deleted and its server stopped.
//
// A started cluster is supervised until Stop: a server that exits without being asked is
// started again with back-off, counted in meridian_postgres_restarts_total, and reported by
// Health while it is down.
package pglocal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// BinEnv names the environment variable pointing at a folder with initdb and postgres, for
// machines whose PostgreSQL is not under /usr/lib/postgresql/<version>/bin.
const BinEnv = "MERIDIAN_PG_BIN"

// InstallHint is what to do when the binaries are missing; every "not found" error says it.
const InstallHint = "run scripts/install-postgres.sh (it installs PostgreSQL from Debian's packages) or set " + BinEnv

// Database is the database Start creates for Meridian; DSN connects to it.
const Database = "meridian"

// Superuser is the role initdb creates; trust authentication lets any OS user connect as it.
const Superuser = "postgres"

// port only names the socket file (.s.PGSQL.5432): no TCP listener is opened.
const port = 5432

// relocateRoot keeps clusters whose directory the postgres user cannot reach (see the package
// comment).
const relocateRoot = "/var/lib/meridian/pglocal"

// pointerFile, in dir, names the data directory when the data had to be relocated.
const pointerFile = "PGLOCAL_DATA_DIR"

// logFile, in the data directory, receives the server's output.
const logFile = "pglocal.log"

// Option changes how a cluster is run.
type Option func(*options)

type options struct {
	noDurability bool
	stopWithUs   bool
}

// WithoutDurability turns off fsync, synchronous commit and full-page writes, and initdb's
// final sync: much faster initdb, CREATE DATABASE and commits, but a machine crash can corrupt the cluster. For throwaway test
// clusters only.
func WithoutDurability() Option { return func(o *options) { o.noDurability = true } }

// WithStopOnParentExit makes the kernel ask the server for a fast shutdown when the process that
// started it dies (even by SIGKILL), so test runs leave no server behind. Without it the server
// outlives a crashed parent and the next Start reuses it.
func WithStopOnParentExit() Option { return func(o *options) { o.stopWithUs = true } }

// Supervision: a server that exits without Stop is started again after a pause that doubles
// from restartMin up to restartMax, and starts again from restartMin once a server stayed up
// for stableAfter.
const (
	restartMin  = 500 * time.Millisecond
	restartMax  = 30 * time.Second
	stableAfter = time.Minute
	// pollGone is how often a reused server (not our child, so no exit notice) is checked.
	pollGone = 250 * time.Millisecond
)

var restartsTotal = promauto.NewCounter(prometheus.CounterOpts{
	Name: "meridian_postgres_restarts_total",
	Help: "Times Meridian started its local PostgreSQL again after the server exited without being asked to.",
})

// ErrDown is what Health wraps while the server is down and being restarted.
var ErrDown = errors.New("local PostgreSQL is down")

// Cluster is a running PostgreSQL cluster, started by this process or found already running on
// the same directory. From Start until Stop it is supervised: if the server exits without
// Stop, it is started again (with back-off) on the same directory, and Health reports it down
// meanwhile. Only the server on the cluster's own data directory is ever started or stopped.
type Cluster struct {
	bin     string
	dataDir string
	sockDir string
	logger  *slog.Logger
	cred    *syscall.Credential // nil unless we are root
	opts    options

	mu      sync.Mutex
	pid     int
	done    chan struct{} // closed when our child exits; nil for a reused server
	waitErr *error        // our child's exit status, readable once done is closed
	reused  bool
	down    string // why the server is down; "" while it is up

	stopSupervising chan struct{} // closed by Stop
	supervised      chan struct{} // closed when the supervisor returned
	stopOnce        sync.Once
}

// Start runs the cluster in dir and returns once it accepts connections and has the meridian
// database. An empty or missing dir is initialised with initdb; an existing cluster is reused
// with its data. If a server is already running on dir (its starter was killed and it lived
// on), Start connects to it instead of starting another, and Stop leaves it running; a postmaster.pid left by a killed
// server is handled by PostgreSQL itself, and a shared memory block still held by the dying
// server's children is waited out.
func Start(ctx context.Context, dir string, logger *slog.Logger, opts ...Option) (*Cluster, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, logger: logger.With("component", "pglocal"), opts: o}
	if os.Geteuid() == 0 {
		if c.cred, err = serviceUser(ctx, c.logger); err != nil {
			return nil, err
		}
	}
	if c.dataDir, err = c.resolveDataDir(dir); err != nil {
		return nil, err
	}
	if err := c.prepareDir(c.dataDir); err != nil {
		return nil, err
	}
	c.sockDir = c.dataDir
	if len(filepath.Join(c.sockDir, ".s.PGSQL."+strconv.Itoa(port))) >= 100 {
		// A unix socket path must fit in 108 bytes; use a short directory of our own.
		c.sockDir = filepath.Join(os.TempDir(), "meridian-pg-"+shortHash(c.dataDir))
		if err := c.prepareDir(c.sockDir); err != nil {
			return nil, err
		}
	}
	if !fileExists(filepath.Join(c.dataDir, "PG_VERSION")) {
		if err := c.initdb(ctx, o); err != nil {
			return nil, err
		}
	}
	if err := c.startOrReuse(ctx, o); err != nil {
		return nil, err
	}
	if err := c.ensureDatabase(ctx, Database); err != nil {
		_ = c.Stop(context.Background())
		return nil, err
	}
	c.stopSupervising, c.supervised = make(chan struct{}), make(chan struct{})
	go c.supervise()
	return c, nil
}

// Health is nil while the server is up, and an error wrapping ErrDown with the reason while it
// is down and being restarted. The reason names no paths, so it can be shown to clients.
func (c *Cluster) Health() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down == "" {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrDown, c.down)
}

func (c *Cluster) setDown(reason string) {
	c.mu.Lock()
	c.down = reason
	c.mu.Unlock()
}

// supervise starts the server again each time it exits until Stop.
func (c *Cluster) supervise() {
	defer close(c.supervised)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stopSupervising
		cancel() // aborts a restart in progress
	}()
	backoff, upSince, restarts := restartMin, time.Now(), 0
	for {
		why, ok := c.waitGone(ctx)
		if !ok {
			return // Stop
		}
		if time.Since(upSince) >= stableAfter {
			backoff = restartMin
		}
		for attempt := 1; ; attempt++ {
			if attempt == 1 {
				c.setDown(fmt.Sprintf("the server exited (%s); restarting in %s", why, backoff))
				c.logger.Warn("postgres exited unexpectedly; restarting", "reason", why, "in", backoff)
			} else {
				c.setDown(fmt.Sprintf("the server exited (%s); %d restarts failed, next in %s", why, attempt-1, backoff))
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, restartMax)
			restartsTotal.Inc()
			restarts++
			err := c.startOrReuse(ctx, c.opts)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			c.logger.Warn("postgres restart failed", "attempt", attempt, "next_in", backoff, "err", err)
		}
		upSince = time.Now()
		c.setDown("")
		c.mu.Lock()
		pid, reused := c.pid, c.reused
		c.mu.Unlock()
		c.logger.Info("postgres restarted", "pid", pid, "reused", reused, "restarts", restarts)
	}
}

// waitGone waits until the server exits, and says how; ok is false if ctx ended first.
func (c *Cluster) waitGone(ctx context.Context) (why string, ok bool) {
	c.mu.Lock()
	pid, done, waitErr := c.pid, c.done, c.waitErr
	c.mu.Unlock()
	if done != nil {
		select {
		case <-done:
			if *waitErr != nil {
				return (*waitErr).Error(), true // "signal: killed", "exit status 1"
			}
			return "exit status 0", true
		case <-ctx.Done():
			return "", false
		}
	}
	// A reused server is not our child: no exit notice, so look for it.
	for c.runningPostmaster() == pid {
		select {
		case <-ctx.Done():
			return "", false
		case <-time.After(pollGone):
		}
	}
	return "postmaster gone", true
}

// DSN connects to the meridian database as the superuser, over the cluster's unix socket; it
// works with pgx (pgxpool.New, pgx.Connect) and libpq.
func (c *Cluster) DSN() string { return c.DSNFor(Database) }

// DSNFor connects to another database of the cluster.
func (c *Cluster) DSNFor(database string) string {
	q := url.Values{"host": {c.sockDir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	u := url.URL{Scheme: "postgres", User: url.User(Superuser), Path: "/" + database, RawQuery: q.Encode()}
	return u.String()
}

// DataDir is the cluster's data directory (PGDATA): dir itself unless it had to be relocated.
func (c *Cluster) DataDir() string { return c.dataDir }

// SocketDir is where the server's unix socket is (the data directory unless its path is too
// long for a socket).
func (c *Cluster) SocketDir() string { return c.sockDir }

// Reused reports whether Start found the server already running rather than starting it.
func (c *Cluster) Reused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reused
}

// Stop shuts down the server this process started with PostgreSQL's fast shutdown (open
// transactions are rolled back, clients disconnected, everything committed is on disk) and
// waits for it to exit. If ctx ends first, it escalates to an immediate shutdown (crash
// recovery on next start). A reused server belongs to whoever started it: Stop only stops
// watching it and leaves it running.
func (c *Cluster) Stop(ctx context.Context) error {
	// Supervision ends first, so the server stopped here is not started again.
	c.stopOnce.Do(func() {
		if c.stopSupervising != nil {
			close(c.stopSupervising)
			<-c.supervised
		}
	})
	c.mu.Lock()
	pid, done := c.pid, c.done
	c.pid = 0
	c.mu.Unlock()
	if pid == 0 {
		return nil
	}
	if done == nil {
		// Not our child: another process (or one that was killed) started it, and may still
		// be using it; stopping it would take that one down.
		c.logger.Info("leaving running postgres to whoever started it", "pid", pid, "data", c.dataDir)
		return nil
	}
	// Never signal a pid that may have been recycled: our child has not been reaped unless
	// done is closed.
	select {
	case <-done:
		return nil
	default:
	}
	_ = syscall.Kill(pid, syscall.SIGINT)
	if c.waitExit(ctx, done) {
		c.logger.Info("postgres stopped", "data", c.dataDir)
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	quit, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !c.waitExit(quit, done) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return fmt.Errorf("pglocal: fast shutdown of %s did not finish in time: %w", c.dataDir, ctx.Err())
}

// waitExit waits for our child server to exit.
func (c *Cluster) waitExit(ctx context.Context, done chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// FindBin returns the folder with initdb and postgres: $MERIDIAN_PG_BIN, or the highest
// version under /usr/lib/postgresql.
func FindBin() (string, error) {
	if env := os.Getenv(BinEnv); env != "" {
		if fileExists(filepath.Join(env, "initdb")) && fileExists(filepath.Join(env, "postgres")) {
			return env, nil
		}
		return "", fmt.Errorf("pglocal: no initdb and postgres in %s=%s; %s", BinEnv, env, InstallHint)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	type found struct {
		version float64
		bin     string
	}
	var all []found
	for _, m := range matches {
		bin := filepath.Dir(m)
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(bin)), 64)
		if err != nil || !fileExists(filepath.Join(bin, "postgres")) {
			continue
		}
		all = append(all, found{v, bin})
	}
	if len(all) == 0 {
		return "", fmt.Errorf("pglocal: PostgreSQL binaries not found under /usr/lib/postgresql/*/bin; %s", InstallHint)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version > all[j].version })
	return all[0].bin, nil
}

// serviceUser is who runs PostgreSQL when we are root: Debian's postgres user, else a
// meridian system user, created on first use.
func serviceUser(ctx context.Context, logger *slog.Logger) (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("meridian"); err != nil {
			logger.Info("creating system user meridian to run PostgreSQL (it refuses to run as root)")
			out, err := exec.CommandContext(ctx, "useradd", "--system", "--user-group", "--no-create-home",
				"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "meridian").CombinedOutput()
			if err != nil {
				return nil, fmt.Errorf("pglocal: running as root needs a non-root user for PostgreSQL; useradd meridian: %v: %s", err, out)
			}
			if u, err = user.Lookup("meridian"); err != nil {
				return nil, err
			}
		}
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				cred.Groups = append(cred.Groups, uint32(g))
			}
		}
	}
	return cred, nil
}

// resolveDataDir decides where PGDATA is for dir (see the package comment on relocation).
func (c *Cluster) resolveDataDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	if fileExists(filepath.Join(dir, "PG_VERSION")) {
		if c.cred != nil && !c.reachable(dir) {
			return "", fmt.Errorf("pglocal: user %d cannot reach %s (a parent directory is not searchable)", c.cred.Uid, dir)
		}
		return dir, nil
	}
	if b, err := os.ReadFile(filepath.Join(dir, pointerFile)); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("pglocal: %s is neither empty nor a PostgreSQL cluster", dir)
	}
	if c.cred == nil || c.reachable(dir) {
		return dir, nil
	}
	data := filepath.Join(relocateRoot, shortHash(dir))
	c.logger.Info("postgres user cannot reach the cluster directory; keeping the data elsewhere",
		"dir", dir, "data", data)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.MkdirAll(relocateRoot, 0o755); err != nil {
		return "", err
	}
	if n := reclaimOrphans(relocateRoot); n > 0 {
		c.logger.Info("removed relocated clusters whose directory was deleted", "clusters", n)
	}
	// The pointer first: a cluster whose origin file names a directory without one is taken
	// for an orphan by the next relocation.
	if err := os.WriteFile(filepath.Join(dir, pointerFile), []byte(data+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(data+originSuffix, []byte(dir+"\n"), 0o644); err != nil {
		return "", err
	}
	return data, nil
}

// originSuffix names the file beside a relocated cluster that records the directory it
// belongs to, so that the cluster can go once that directory is deleted.
const originSuffix = ".origin"

// reclaimOrphans removes the relocated clusters under root whose directory was deleted (its
// pointer file is gone) and whose server is not running, and returns how many went: deleting
// a data directory (a test's temporary one above all) would otherwise leave its PostgreSQL
// cluster behind for good.
func reclaimOrphans(root string) int {
	origins, _ := filepath.Glob(filepath.Join(root, "*"+originSuffix))
	n := 0
	for _, o := range origins {
		b, err := os.ReadFile(o)
		if err != nil {
			continue
		}
		data := strings.TrimSuffix(o, originSuffix)
		if fileExists(filepath.Join(strings.TrimSpace(string(b)), pointerFile)) {
			continue
		}
		if postmasterPID(data) > 0 {
			continue
		}
		if os.RemoveAll(data) == nil && os.Remove(o) == nil {
			n++
		}
	}
	return n
}

// reachable reports whether the service user may search every parent of dir (mode bits only;
// ACLs are not considered).
func (c *Cluster) reachable(dir string) bool {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil {
			// Not created yet: MkdirAll makes it 0755.
			if errors.Is(err, os.ErrNotExist) {
				if p == filepath.Dir(p) {
					return true
				}
				continue
			}
			return false
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return true
		}
		mode := st.Mode().Perm()
		var bit os.FileMode = 0o001
		switch {
		case sys.Uid == c.cred.Uid:
			bit = 0o100
		case sys.Gid == c.cred.Gid || contains(c.cred.Groups, sys.Gid):
			bit = 0o010
		}
		if mode&bit == 0 {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// prepareDir creates dir with the mode PostgreSQL insists on (0700) and, as root, gives it to
// the service user.
func (c *Cluster) prepareDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	if c.cred == nil {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid == c.cred.Uid {
		return nil
	}
	// Owned by someone else (new, or made by an earlier non-root run): hand it all over.
	return filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(c.cred.Uid), int(c.cred.Gid))
	})
}

func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	// "/" rather than our working directory, which the service user may not be allowed into.
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	return cmd
}

func (c *Cluster) initdb(ctx context.Context, o options) error {
	c.logger.Info("initdb", "data", c.dataDir, "bin", c.bin)
	args := []string{"-D", c.dataDir, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if o.noDurability {
		args = append(args, "--no-sync") // halves initdb's time on a slow disk
	}
	cmd := c.command(ctx, "initdb", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pglocal: initdb %s: %v\n%s", c.dataDir, err, out)
	}
	return nil
}

// startOrReuse starts the server, unless one is already running on the data directory, in
// which case it waits until that one accepts connections (reuse) or exits (then starts ours).
func (c *Cluster) startOrReuse(ctx context.Context, o options) error {
	deadline, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		pid := c.runningPostmaster()
		if pid == 0 {
			break
		}
		if err := c.ping(deadline); err == nil {
			c.logger.Info("reusing running postgres", "pid", pid, "data", c.dataDir)
			c.mu.Lock()
			c.pid, c.done, c.waitErr, c.reused = pid, nil, nil, true
			c.mu.Unlock()
			return nil
		}
		select {
		case <-deadline.Done():
			return fmt.Errorf("pglocal: a postgres (pid %d) runs on %s but does not accept connections", pid, c.dataDir)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for attempt := 1; ; attempt++ {
		err := c.start(deadline, o)
		if err == nil {
			return nil
		}
		// After a kill -9 of the server, its children may hold the old shared memory for a
		// moment; PostgreSQL then refuses to start until they are gone.
		if !strings.Contains(err.Error(), "pre-existing shared memory block") || attempt >= 20 {
			return err
		}
		c.logger.Info("old server's children still hold shared memory; retrying", "attempt", attempt)
		select {
		case <-deadline.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// runningPostmaster returns the pid in postmaster.pid if that process is a live postgres.
func (c *Cluster) runningPostmaster() int {
	pid := postmasterPID(c.dataDir)
	if pid == 0 {
		return 0
	}
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil &&
		!strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres") {
		// The pid was reused by an unrelated process (e.g. after a reboot): the lock file is
		// stale, and PostgreSQL would refuse to start while that process lives.
		c.logger.Info("removing stale postmaster.pid", "pid", pid, "process", strings.TrimSpace(string(comm)))
		_ = os.Remove(filepath.Join(c.dataDir, "postmaster.pid"))
		return 0
	}
	return pid
}

// postmasterPID returns the pid in data's postmaster.pid if that process is alive (whatever
// it runs), else 0.
func postmasterPID(data string) int {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 || !processAlive(pid) {
		return 0
	}
	return pid
}

// BackgroundNice is the nice value of the local PostgreSQL (BENCHMARKS.md, ack latency).
const BackgroundNice = 10

func (c *Cluster) start(ctx context.Context, o options) error {
	logPath := filepath.Join(c.dataDir, logFile)
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if c.cred != nil {
		_ = out.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	args := []string{"-D", c.dataDir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + c.sockDir,
		"-c", "port=" + strconv.Itoa(port),
		"-c", "logging_collector=off",
	}
	if o.noDurability {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	// Not tied to ctx: the server outlives Start.
	cmd := c.command(context.Background(), "postgres", args...)
	cmd.Stdout, cmd.Stderr = out, out
	if o.stopWithUs {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	}
	startedAt, _ := out.Seek(0, io.SeekCurrent)
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("pglocal: starting postgres: %w", err)
	}
	out.Close()
	// The server's work (state, claims, new data keys) waits well; the acknowledgements of
	// the HTTP path, which share the cores, should not wait for it. Backends inherit the nice
	// value from the postmaster.
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, BackgroundNice); err != nil {
		c.logger.Warn("postgres: lowering its priority", "err", err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	c.logger.Info("postgres starting", "pid", cmd.Process.Pid, "data", c.dataDir, "log", logPath)
	for {
		err := c.ping(ctx)
		if err == nil {
			c.mu.Lock()
			c.pid, c.done, c.waitErr, c.reused = cmd.Process.Pid, done, &waitErr, false
			c.mu.Unlock()
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("pglocal: postgres exited during start (%v):\n%s", waitErr, readFrom(logPath, startedAt))
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			<-done
			return fmt.Errorf("pglocal: postgres not accepting connections (last error: %v):\n%s", err, readFrom(logPath, startedAt))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSNFor("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

func (c *Cluster) ensureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.DSNFor("postgres"))
	if err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("pglocal: creating database %s: %w", name, err)
	}
	c.logger.Info("created database", "name", name)
	return nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

func contains(list []uint32, v uint32) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// readFrom returns what was appended to a log file since offset (at most its last 8 KiB).
func readFrom(path string, offset int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) < offset {
		return ""
	}
	b = b[offset:]
	if len(b) > 8<<10 {
		b = b[len(b)-8<<10:]
	}
	return string(b)
}
