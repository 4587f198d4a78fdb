package kafkatest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

// LibsEnv names the environment variable that points at a folder of Kafka jars, for machines
// where the jars are not in <repo root>/.engines/kafka/libs.
const LibsEnv = "MERIDIAN_KAFKA_LIBS"

// FetchHint is what to do when the jars are missing; it is part of every "not found" error so
// that a failing test says how to fix the machine instead of just failing.
const FetchHint = "run scripts/fetch-kafka.sh (it puts Apache Kafka into .engines/kafka/libs) or set " + LibsEnv

// Option changes how the broker is configured or started.
type Option func(*config)

type config struct {
	libs         string
	java         string
	heap         string
	jvmArgs      []string
	port         int
	partitions   int
	props        map[string]string
	startTimeout time.Duration
	stopTimeout  time.Duration
}

// WithLibs uses the jars in dir instead of looking for them.
func WithLibs(dir string) Option { return func(c *config) { c.libs = dir } }

// WithJava runs this java binary instead of $JAVA_HOME/bin/java or java on PATH.
func WithJava(path string) Option { return func(c *config) { c.java = path } }

// WithHeap sets the JVM's maximum heap (-Xmx), "512m" by default: enough for tests and small
// benchmarks on a 2-core machine.
func WithHeap(size string) Option { return func(c *config) { c.heap = size } }

// WithJVMArgs adds arguments to the java command line (before the main class).
func WithJVMArgs(args ...string) Option {
	return func(c *config) { c.jvmArgs = append(c.jvmArgs, args...) }
}

// WithPort makes the broker listen on this port instead of a free one, for benchmarks that
// want a fixed address. The controller listener still gets a free port.
func WithPort(port int) Option { return func(c *config) { c.port = port } }

// WithPartitions sets num.partitions, the partition count of auto-created topics (1 by default).
func WithPartitions(n int) Option { return func(c *config) { c.partitions = n } }

// WithBrokerConfig sets one server.properties entry, overriding the harness's defaults.
func WithBrokerConfig(key, value string) Option {
	return func(c *config) { c.props[key] = value }
}

// WithStartTimeout bounds how long a start (or restart) may take before it is an error; 90s by
// default because a cold JVM on a busy 2-core CI machine can be slow.
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

func newConfig(opts []Option) *config {
	c := &config{
		heap:         "512m",
		partitions:   1,
		props:        map[string]string{},
		startTimeout: 90 * time.Second,
		stopTimeout:  30 * time.Second,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Process is an Apache Kafka 4.x node (broker and controller in one JVM, KRaft mode) running
// from a directory that holds its configuration, its log (data) and its own log output. It is
// the non-test API: benchmarks and tools use it directly; tests use Start.
type Process struct {
	cfg            *config
	dir            string
	brokerPort     int
	controllerPort int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	err  error         // cmd.Wait's result, valid after done is closed
}

// StartProcess starts a single-node Kafka in dir (created if missing) and returns once it
// serves metadata requests. If dir already holds a formatted log, it is reused, so data
// survives across processes; otherwise the storage is formatted first.
func StartProcess(ctx context.Context, dir string, opts ...Option) (*Process, error) {
	cfg := newConfig(opts)
	libs, err := findLibs(cfg.libs)
	if err != nil {
		return nil, err
	}
	cfg.libs = libs
	if cfg.java == "" {
		cfg.java = findJava()
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	p := &Process{cfg: cfg, dir: dir}
	if err := p.pickPorts(); err != nil {
		return nil, err
	}
	if err := p.writeConfig(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "meta.properties")); errors.Is(err, os.ErrNotExist) {
		if err := p.format(ctx); err != nil {
			return nil, err
		}
	}
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Addr is the broker's host:port on 127.0.0.1, for kafka-go's Addr/Brokers.
func (p *Process) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.brokerPort)) }

// Dir is the directory the node runs from: server.properties, data/ and kafka.log.
func (p *Process) Dir() string { return p.dir }

// LogFile is the broker's own log (log4j output), which says why a start failed.
func (p *Process) LogFile() string { return filepath.Join(p.dir, "kafka.log") }

// Running reports whether the JVM is alive.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Stop shuts the node down gracefully (SIGTERM: controlled shutdown, logs flushed and closed
// cleanly) and waits for it; if ctx ends first, or after 30s, the JVM is killed.
func (p *Process) Stop(ctx context.Context) error {
	cmd, done := p.current()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(p.cfg.stopTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	case <-timer.C:
	}
	_ = cmd.Process.Kill()
	<-done
	return fmt.Errorf("kafkatest: broker did not stop gracefully; killed")
}

// Kill ends the JVM with SIGKILL, as a crash would: nothing is flushed by Kafka, so the next
// start runs log recovery. Data already written to the OS survives, as it would in a process
// crash (not a machine crash).
func (p *Process) Kill() error {
	cmd, done := p.current()
	if cmd == nil {
		return nil
	}
	_ = cmd.Process.Kill()
	<-done
	return nil
}

// Restart stops the node if it is running (gracefully) and starts it again on the same
// directory and ports, so clients reconnect to the same address and find the same data.
func (p *Process) Restart(ctx context.Context) error {
	if err := p.Stop(ctx); err != nil {
		return err
	}
	return p.start(ctx)
}

// LogTail returns the last n lines of the broker's log and of the JVM's own output.
func (p *Process) LogTail(n int) string {
	var b strings.Builder
	for _, f := range []string{p.LogFile(), filepath.Join(p.dir, "jvm.out")} {
		lines := tail(f, n)
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "--- last %d lines of %s ---\n", len(lines), f)
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (p *Process) current() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.done
}

// pickPorts reuses the ports of a previous run in the same dir when they are free (the
// controller's address is part of the quorum configuration), else takes free ones.
func (p *Process) pickPorts() error {
	prevBroker, prevController := 0, 0
	if props, err := readProps(filepath.Join(p.dir, "server.properties")); err == nil {
		prevBroker = portOf(props["listeners"], "PLAINTEXT://")
		prevController = portOf(props["listeners"], "CONTROLLER://")
	}
	var err error
	if p.cfg.port != 0 {
		p.brokerPort = p.cfg.port
	} else if p.brokerPort, err = freePort(prevBroker); err != nil {
		return err
	}
	for {
		if p.controllerPort, err = freePort(prevController); err != nil {
			return err
		}
		if p.controllerPort != p.brokerPort {
			return nil
		}
		prevController = 0
	}
}

func (p *Process) writeConfig() error {
	props := map[string]string{
		"process.roles":                                    "broker,controller",
		"node.id":                                          "1",
		"controller.quorum.voters":                         fmt.Sprintf("1@127.0.0.1:%d", p.controllerPort),
		"listeners":                                        fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", p.brokerPort, p.controllerPort),
		"advertised.listeners":                             fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", p.brokerPort),
		"controller.listener.names":                        "CONTROLLER",
		"inter.broker.listener.name":                       "PLAINTEXT",
		"listener.security.protocol.map":                   "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"log.dirs":                                         filepath.Join(p.dir, "data"),
		"num.partitions":                                   strconv.Itoa(p.cfg.partitions),
		"auto.create.topics.enable":                        "true",
		"offsets.topic.replication.factor":                 "1",
		"offsets.topic.num.partitions":                     "4",
		"transaction.state.log.replication.factor":         "1",
		"transaction.state.log.min.isr":                    "1",
		"transaction.state.log.num.partitions":             "4",
		"share.coordinator.state.topic.replication.factor": "1",
		"share.coordinator.state.topic.min.isr":            "1",
		"group.initial.rebalance.delay.ms":                 "0",
		// After a restart the controller keeps the old broker registration until its session
		// expires (9s by default) and rejects the new one until then: shorten it.
		"broker.session.timeout.ms":    "2000",
		"broker.heartbeat.interval.ms": "500",
		// Sized for a 2-core machine: Kafka's defaults (8 I/O, 3 network, 10 background
		// threads) only add context switches there.
		"num.io.threads":                    "4",
		"num.network.threads":               "2",
		"background.threads":                "4",
		"num.recovery.threads.per.data.dir": "2",
	}
	for k, v := range p.cfg.props {
		props[k] = v
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Written by stream/kafkatest on every start; edits are overwritten.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, props[k])
	}
	if err := os.WriteFile(filepath.Join(p.dir, "server.properties"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	// Kafka 4 logs through log4j 2; without a configuration it prints only a warning. The
	// broker's log goes to a file so test output stays readable and failures can show its tail.
	log4j := fmt.Sprintf(`status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = %s
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%%d] %%p %%m (%%c)%%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
`, p.LogFile())
	return os.WriteFile(filepath.Join(p.dir, "log4j2.properties"), []byte(log4j), 0o644)
}

func (p *Process) javaArgs(mainClass string, args ...string) []string {
	a := []string{
		"-Xmx" + p.cfg.heap,
		"-XX:+ExitOnOutOfMemoryError",
		"-Djava.awt.headless=true",
		"-Dlog4j2.configurationFile=" + filepath.Join(p.dir, "log4j2.properties"),
		"-cp", filepath.Join(p.cfg.libs, "*"),
	}
	a = append(a, p.cfg.jvmArgs...)
	a = append(a, mainClass)
	return append(a, args...)
}

// format is `kafka-storage.sh format`: in Kafka 4.x the tool is still the Scala object
// kafka.tools.StorageTool in kafka_2.13. The quorum is static (controller.quorum.voters), so
// neither --standalone nor --initial-controllers may be given.
func (p *Process) format(ctx context.Context) error {
	// A cluster id is 16 random bytes in URL-safe base64, as kafka-storage random-uuid makes
	// them; like it, avoid a leading '-', which the tool's argument parser takes for a flag.
	var clusterID string
	for clusterID == "" || clusterID[0] == '-' {
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return err
		}
		clusterID = base64.RawURLEncoding.EncodeToString(id)
	}
	args := p.javaArgs("kafka.tools.StorageTool", "format", "--ignore-formatted",
		"-t", clusterID, "-c", filepath.Join(p.dir, "server.properties"))
	cmd := exec.CommandContext(ctx, p.cfg.java, args...)
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kafkatest: formatting storage: %w\n%s", err, out)
	}
	return nil
}

func (p *Process) start(ctx context.Context) error {
	out, err := os.OpenFile(filepath.Join(p.dir, "jvm.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.cfg.java, p.javaArgs("kafka.Kafka", filepath.Join(p.dir, "server.properties"))...)
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so a terminal's Ctrl-C reaches the test first and the harness stops
	// the broker in order; Pdeathsig, so a test binary that dies does not leave a JVM behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("kafkatest: starting java: %w", err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.err = cmd, done, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		out.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	if err := p.waitReady(ctx, done); err != nil {
		_ = p.Kill()
		return err
	}
	return nil
}

// waitReady polls until the broker answers a metadata request listing itself: it only serves
// requests once it has registered with the controller. Each poll dials anew (kafka.Client's
// shared transport would answer from metadata cached before a restart).
func (p *Process) waitReady(ctx context.Context, done chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.startTimeout)
	defer cancel()
	var last error
	for {
		last = ping(ctx, p.Addr())
		if last == nil {
			return nil
		}
		select {
		case <-done:
			p.mu.Lock()
			werr := p.err
			p.mu.Unlock()
			return fmt.Errorf("kafkatest: broker exited during start (%v)\n%s", werr, p.LogTail(40))
		case <-ctx.Done():
			return fmt.Errorf("kafkatest: broker not ready after %s (last error: %v)\n%s", p.cfg.startTimeout, last, p.LogTail(40))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func ping(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := (&kafka.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	brokers, err := conn.Brokers()
	if err != nil {
		return err
	}
	if len(brokers) == 0 {
		return errors.New("metadata lists no broker yet")
	}
	// After a restart the broker answers metadata before it leads its partitions again;
	// ready means every existing partition has a leader, so clients need no retry loop.
	parts, err := conn.ReadPartitions()
	if err != nil {
		return err
	}
	for _, p := range parts {
		if p.Leader.Host == "" || p.Leader.ID < 0 {
			return fmt.Errorf("partition %s/%d has no leader yet", p.Topic, p.ID)
		}
	}
	return nil
}

// findLibs returns a folder with kafka_2.13-*.jar: explicit, $MERIDIAN_KAFKA_LIBS, or
// <repo root>/.engines/kafka/libs where the repo root is the nearest folder up from the working
// directory that has a go.mod (go test runs in the package's folder).
func findLibs(explicit string) (string, error) {
	var tried []string
	check := func(dir string) bool {
		tried = append(tried, dir)
		m, _ := filepath.Glob(filepath.Join(dir, "kafka_2.13-*.jar"))
		return len(m) > 0
	}
	if explicit != "" {
		if check(explicit) {
			return filepath.Abs(explicit)
		}
		return "", fmt.Errorf("kafkatest: no kafka_2.13-*.jar in %s; %s", explicit, FetchHint)
	}
	if env := os.Getenv(LibsEnv); env != "" {
		if check(env) {
			return filepath.Abs(env)
		}
		return "", fmt.Errorf("kafkatest: no kafka_2.13-*.jar in %s=%s; %s", LibsEnv, env, FetchHint)
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				libs := filepath.Join(dir, ".engines", "kafka", "libs")
				if check(libs) {
					return libs, nil
				}
				break
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", fmt.Errorf("kafkatest: Apache Kafka jars not found (looked in %s); %s", strings.Join(tried, ", "), FetchHint)
}

func findJava() string {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		if j := filepath.Join(home, "bin", "java"); fileExists(j) {
			return j
		}
	}
	return "java"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// freePort returns want if it can be bound on 127.0.0.1, else a port the kernel picks.
func freePort(want int) (int, error) {
	if want > 0 {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(want))); err == nil {
			l.Close()
			return want, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func readProps(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return props, sc.Err()
}

// portOf finds the port of the listener with the given prefix in a listeners value.
func portOf(listeners, prefix string) int {
	for _, l := range strings.Split(listeners, ",") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), prefix); ok {
			if i := strings.LastIndexByte(rest, ':'); i >= 0 {
				n, _ := strconv.Atoi(rest[i+1:])
				return n
			}
		}
	}
	return 0
}

// tail returns the last n lines of a file, reading at most its last 256 KiB.
func tail(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 256<<10 {
		_, _ = f.Seek(st.Size()-256<<10, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
