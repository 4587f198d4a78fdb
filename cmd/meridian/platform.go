package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/meridian-cs/meridian/answers"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/compliance"
	"github.com/meridian-cs/meridian/compliance/audit"
	"github.com/meridian-cs/meridian/compliance/erasure"
	"github.com/meridian-cs/meridian/compliance/retention"
	"github.com/meridian-cs/meridian/compliance/shred"
	"github.com/meridian-cs/meridian/conversation/engine"
	"github.com/meridian-cs/meridian/ingest"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/store/clickhouse"
	"github.com/meridian-cs/meridian/store/postgres"
	"github.com/meridian-cs/meridian/store/postgres/pglocal"
	"github.com/meridian-cs/meridian/stream"
	"github.com/meridian-cs/meridian/stream/live"
	"github.com/meridian-cs/meridian/translation"
	"github.com/meridian-cs/meridian/understanding"
	"github.com/prometheus/client_golang/prometheus"
)

// platform is a running set of engines and services: Kafka (embedded or external), ClickHouse
// per region (chDB or servers), PostgreSQL (local or external), the ingest service and the
// sinks. serve, demo and migrate all start one.
type platform struct {
	log       *slog.Logger
	cfg       config
	dataDir   string
	policy    *models.ResidencyPolicy
	retention *models.RetentionPolicy
	fields    *compliance.Policy // how each role sees personal data, per region (--field-policy)
	retainer  *retention.Runner  // applies p.retention; nil below everything
	holds     *erasure.Holds     // legal holds; nil below everything
	regions   []string
	brokers   []string
	kafka     stream.Auth // how every Kafka client of the platform authenticates
	broker    *stream.EmbeddedBroker
	pgLocal   *pglocal.Cluster
	pg        *postgres.DB
	ch        map[string]clickhouse.DB // region -> database endpoint, for the writers and Close
	chReg     *clickhouse.Regions      // the same, as the registry the readers share
	metrics   *prometheus.Registry     // this platform's collectors, served beside the process-wide ones
	keyring   *shred.Keyring
	producer  *stream.Producer
	ingest    *ingest.Service
	auth      *auth.Authenticator
	devKey    string

	sinks      map[string]*stream.Sink // by region
	analysis   *understanding.Loader   // nil with --analysis off
	translator translation.Translator  // nil without --translate-provider
	business   business                // shop, CRM and payments adapters; not yet used by the engine
	workspace  *engine.Workspace       // nil with --routing off
	live       *live.Hub               // the subscriptions' events; nil without the sinks
	knowledge  *knowledge.Base         // the tenants' knowledge bases, over p.pg
	answers    *answers.Service        // answers from p.knowledge; nil until started
	channels   *channelSet
	audit      *audit.Log      // the audit trail the gate and the mutations append to; nil below everything
	sinkWG     sync.WaitGroup  // the sinks and the outbox
	runCtx     context.Context // ends when close stops them
	stop       context.CancelFunc
	unlock     func() // releases the data directory (lockDataDir)

	// engineOut is the engine's way to customers (follow-the-sun notices, AI answers); nil
	// with routing off.
	engineOut *engineOutbox
	// aiAnswers: the engine answers with AI first (--ai-answers on, routing on).
	aiAnswers bool
}

// scope says how much of the platform a command needs.
type scope int

const (
	storesOnly   scope = iota // PostgreSQL and ClickHouse, migrated (forecast-refresh)
	withoutSinks              // plus Kafka, data keys, auth and ingest (migrate)
	everything                // plus the sinks (serve, demo)
)

// valueEncoder is the encoding ingest writes Kafka values in.
func valueEncoder(format string) (func(*models.Event) ([]byte, error), error) {
	switch format {
	case "protobuf":
		return stream.EncodeEvent, nil
	case "json":
		return stream.EncodeEventJSON, nil
	}
	return nil, fmt.Errorf("--kafka-value-format: %q is not protobuf or json", format)
}

// startPlatform brings up what the scope needs and applies migrations.
func startPlatform(ctx context.Context, cfg config, log *slog.Logger, sc scope) (p *platform, err error) {
	p = &platform{log: log, cfg: cfg, ch: map[string]clickhouse.DB{}, metrics: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			p.close()
			p = nil
		}
	}()
	if p.dataDir, err = filepath.Abs(cfg.str("data-dir")); err != nil {
		return p, err
	}
	// Traversable by the unprivileged user the local PostgreSQL runs as; secrets/ stays 0700.
	if err = os.MkdirAll(p.dataDir, 0o755); err != nil {
		return p, fmt.Errorf("data directory: %w", err)
	}
	if p.policy, err = models.LoadPolicy(cfg.str("residency-policy")); err != nil {
		return p, err
	}
	if p.retention, err = models.LoadRetention(cfg.str("retention-policy")); err != nil {
		return p, err
	}
	fields, err := fieldPolicy(cfg, p.policy)
	if err != nil {
		return p, err
	}
	p.fields = &fields
	encode, err := valueEncoder(cfg.str("kafka-value-format"))
	if err != nil {
		return p, err
	}
	for _, r := range p.policy.Regions {
		p.regions = append(p.regions, string(r))
	}
	// After the settings are checked, before any engine: a second command on a served
	// directory must not touch its engines.
	if p.unlock, err = lockDataDir(p.dataDir, cfg.str("data-dir")); err != nil {
		return p, err
	}
	if err = p.startPostgres(ctx); err != nil {
		return p, err
	}
	p.knowledge = knowledge.New(&postgres.Articles{DB: p.pg})
	if err = p.startClickHouse(ctx); err != nil {
		return p, err
	}
	if sc == storesOnly {
		return p, nil
	}
	if err = p.startKafka(ctx); err != nil {
		return p, err
	}
	master, err := p.masterKey()
	if err != nil {
		return p, err
	}
	if p.keyring, err = shred.NewKeyring(p.pg.Keys(), master); err != nil {
		return p, err
	}
	if err = p.startAuth(ctx); err != nil {
		return p, err
	}
	maxFuture, err := cfg.duration("max-future")
	if err != nil {
		return p, err
	}
	if maxFuture <= 0 {
		return p, errors.New("--max-future must be positive")
	}
	p.producer = stream.NewProducer(p.brokers, p.kafka)
	p.ingest = &ingest.Service{Policy: p.policy, Publisher: p.producer, Keys: p.keyring, Logger: log, Now: time.Now, Encode: encode, MaxFuture: maxFuture}
	if err = p.startTranslation(); err != nil {
		return p, err
	}
	if p.business, err = businessIntegrations(cfg); err != nil {
		return p, err
	}
	if sc == everything {
		if err = p.startAudit(); err != nil {
			return p, err
		}
		// Legal holds (placeLegalHold) spare their customers from retention and erasure.
		p.holds = &erasure.Holds{Pool: p.pg.Pool, Regions: p.regions}
		p.retainer = &retention.Runner{Policy: p.retention, Regions: p.regions, ClickHouse: p.chReg,
			Cluster: cfg.str("clickhouse-cluster"), Postgres: &postgres.Retention{DB: p.pg}, Holds: heldCustomers{p.holds}, Log: log}
		p.retainer.OnRun = p.auditRetention
		if err = p.startSinks(ctx); err != nil {
			return p, err
		}
		if err = p.startChannels(); err != nil {
			return p, err
		}
		if p.engineOut != nil && p.channels != nil {
			p.engineOut.outbox.Store(p.channels.outbox)
		}
	}
	return p, nil
}

// auditRetention records a scheduled retention run in every region's audit trail, as the
// role "system" (applyRetention records its own runs with the caller's key).
func (p *platform) auditRetention(ctx context.Context, rep retention.Report, err error) {
	perRegion := map[string]int64{}
	for _, l := range rep.Removals {
		perRegion[l.Region] += l.Rows
	}
	for _, r := range p.regions {
		outcome := "removed " + strconv.FormatInt(perRegion[r], 10) + " rows"
		if err != nil {
			outcome += "; failed"
		}
		if _, aerr := p.audit.Append(ctx, audit.Entry{Action: audit.ActionApplyRetention, Region: r, Role: "system", Outcome: outcome}); aerr != nil {
			p.log.ErrorContext(ctx, "audit: retention run not recorded", "region", r, "outcome", outcome, "err", aerr)
		}
	}
}

// startAudit opens the audit trail of every region (compliance/audit) on the platform's
// PostgreSQL, anchoring it every --audit-anchor-every.
func (p *platform) startAudit() error {
	every, err := p.cfg.duration("audit-anchor-every")
	if err != nil {
		return err
	}
	if every < 0 {
		return errors.New("--audit-anchor-every must not be negative")
	}
	p.audit, err = audit.New(p.pg.Pool, audit.Options{Regions: p.regions, Fallback: string(p.policy.Fallback), AnchorEvery: every, Logger: p.log})
	return err
}

func (p *platform) startPostgres(ctx context.Context) error {
	dsn := p.cfg.str("database-url")
	if dsn == "" {
		// The server ends with this process even if it is killed: a server left behind would
		// be reused by the next start, which must not stop what it did not start.
		c, err := pglocal.Start(ctx, filepath.Join(p.dataDir, "postgres"), p.log, pglocal.WithStopOnParentExit())
		if err != nil {
			return fmt.Errorf("local PostgreSQL: %w", err)
		}
		p.pgLocal = c
		dsn = c.DSN()
	}
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	p.pg = db
	n, err := db.Migrate(ctx, p.regions)
	if err != nil {
		return err
	}
	if n > 0 {
		p.log.Info("postgres migrated", "applied", n)
	}
	if err := db.EnsureTenant(ctx, p.cfg.str("tenant"), p.cfg.str("tenant")); err != nil {
		return err
	}
	countries := map[string][]string{}
	for _, r := range p.policy.Regions {
		countries[string(r)] = p.policy.CountriesOf(r)
	}
	return db.SyncRegions(ctx, countries, string(p.policy.Fallback))
}

func (p *platform) startKafka(ctx context.Context) error {
	p.brokers = p.cfg.list("kafka-brokers")
	if len(p.brokers) == 0 {
		fsync, err := p.cfg.bool("broker-fsync")
		if err != nil {
			return err
		}
		// The embedded broker listens on loopback, which every user of the machine reaches:
		// it accepts only its own SCRAM user, whose password lives with the other secrets.
		password, err := p.secret("kafka-password")
		if err != nil {
			return fmt.Errorf("embedded broker credentials: %w", err)
		}
		b, err := stream.StartEmbeddedBroker(stream.BrokerConfig{Dir: filepath.Join(p.dataDir, "kafka"), Fsync: fsync,
			User: stream.EmbeddedUser, Password: password})
		if err != nil {
			return err
		}
		p.broker = b
		p.brokers = b.Addrs()
		p.kafka = b.Auth()
		p.log.Info("embedded Kafka broker started", "addrs", p.brokers, "auth", p.kafka,
			"password_file", filepath.Join(p.dataDir, "secrets", "kafka-password"))
	} else {
		var tlsConfig *tls.Config
		on, err := p.cfg.bool("kafka-tls")
		if err != nil {
			return err
		}
		ca, cert, key := p.cfg.str("kafka-tls-ca"), p.cfg.str("kafka-tls-cert"), p.cfg.str("kafka-tls-key")
		if on || ca != "" || cert != "" || key != "" {
			if tlsConfig, err = stream.LoadTLS(ca, cert, key); err != nil {
				return err
			}
		}
		if p.kafka, err = stream.NewAuth(p.cfg.str("kafka-sasl-mechanism"), p.cfg.str("kafka-username"),
			p.cfg.str("kafka-password"), tlsConfig); err != nil {
			return err
		}
		if tlsConfig == nil && p.kafka.Mechanism() == "" {
			p.log.Warn("Kafka connections are neither authenticated nor encrypted; see deploy/README.md, Securing Kafka",
				"brokers", p.brokers)
		}
	}
	parts, err := p.cfg.int("kafka-partitions")
	if err != nil {
		return err
	}
	if parts == 0 {
		parts = 6
		if p.broker != nil {
			parts = 1
		}
	}
	repl, err := p.cfg.int("kafka-replication")
	if err != nil {
		return err
	}
	var specs []stream.TopicSpec
	for _, r := range p.regions {
		specs = append(specs,
			stream.TopicSpec{Name: stream.EventsTopic(r), Partitions: parts, Replication: repl},
			stream.TopicSpec{Name: stream.DeadLetterTopic(r), Partitions: 1, Replication: repl})
	}
	return stream.EnsureTopics(ctx, p.brokers, p.kafka, specs)
}

func (p *platform) startClickHouse(ctx context.Context) error {
	cluster := p.cfg.str("clickhouse-cluster")
	var embedded clickhouse.DB
	for _, r := range p.regions {
		addrs := p.cfg.list("clickhouse-addrs")
		if v := os.Getenv("MERIDIAN_CLICKHOUSE_ADDRS_" + strings.ToUpper(r)); v != "" {
			addrs = strings.Split(v, ",")
		}
		var db clickhouse.DB
		if len(addrs) == 0 {
			if embedded == nil {
				c, err := clickhouse.OpenChDB(filepath.Join(p.dataDir, "clickhouse"))
				if err != nil {
					return err
				}
				if w := clickhouse.FilesystemWarning(p.dataDir); w != "" {
					p.log.Warn(w, "data_dir", p.dataDir, "see", "README.md, Data directory")
				}
				embedded = c
			}
			db = embedded
		} else {
			s, err := clickhouse.OpenServer(ctx, clickhouse.ServerConfig{Addrs: addrs, Username: p.cfg.str("clickhouse-user"),
				Password: p.cfg.str("clickhouse-password"), Cluster: cluster})
			if err != nil {
				return err
			}
			db = s
		}
		p.ch[r] = db
		n, err := clickhouse.Migrate(ctx, db, clickhouse.Layout{DB: clickhouse.Database(r), Cluster: cluster})
		if err != nil {
			return err
		}
		if n > 0 {
			p.log.Info("clickhouse migrated", "region", r, "applied", n)
		}
	}
	reg, err := clickhouse.NewRegions(p.regions, p.ch)
	if err != nil {
		return err
	}
	p.chReg = reg
	// One entry per endpoint: chDB serves every region from this process's memory.
	stores := map[string]clickhouse.DB{}
	for _, r := range p.regions {
		if p.ch[r] == embedded {
			stores["embedded"] = embedded
		} else {
			stores[r] = p.ch[r]
		}
	}
	return p.metrics.Register(clickhouse.NewCollector(stores, p.log))
}

// masterKey reads MERIDIAN_MASTER_KEY or the key file under the data directory, making one on
// first start. Losing it makes every sealed field unreadable, so it is never regenerated.
func (p *platform) masterKey() ([]byte, error) {
	if v := p.cfg.str("master-key"); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			return nil, errors.New("MERIDIAN_MASTER_KEY must be 32 bytes, base64-encoded")
		}
		return k, nil
	}
	path := filepath.Join(p.dataDir, "secrets", "master.key")
	if b, err := os.ReadFile(path); err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("%s is not a base64 32-byte key", path)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := writeSecret(path, base64.StdEncoding.EncodeToString(k)); err != nil {
		return nil, err
	}
	return k, nil
}

func writeSecret(path, value string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(value+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// secret reads a generated secret under <data-dir>/secrets, making it on first start.
func (p *platform) secret(name string) (string, error) {
	path := filepath.Join(p.dataDir, "secrets", name)
	b, err := os.ReadFile(path)
	if err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%s is empty", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	v := rand.Text()
	if err := writeSecret(path, v); err != nil {
		return "", err
	}
	return v, nil
}

// startAuth loads configured keys; with none configured it makes a development key, stored
// in the database and printed at start, so a first run needs no set-up.
func (p *platform) startAuth(ctx context.Context) error {
	spec := p.cfg.str("api-keys")
	static, err := auth.ParseKeys(spec, p.cfg.str("tenant"), func(r string) bool { return p.policy.Has(models.Region(r)) })
	if err != nil {
		return err
	}
	if spec == "" {
		if p.devKey, err = p.storedKey(ctx, "dev-api-key", "development key"); err != nil {
			return err
		}
	}
	p.auth = auth.New(static, p.pg) // database keys: the store implements auth.Lookup
	return nil
}

// storedKey reads an admin API key of the configured tenant from <data-dir>/secrets/name,
// making it on first use, and makes sure the database knows it.
func (p *platform) storedKey(ctx context.Context, name, label string) (string, error) {
	path := filepath.Join(p.dataDir, "secrets", name)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		raw := make([]byte, 18)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		b = []byte("mdk_" + base64.RawURLEncoding.EncodeToString(raw))
		if err := writeSecret(path, string(b)); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(b))
	if err := p.pg.CreateAPIKey(ctx, key, auth.Principal{Tenant: p.cfg.str("tenant"), Role: auth.RoleAdmin}, label); err != nil {
		return "", err
	}
	return key, nil
}

func (p *platform) startSinks(ctx context.Context) error {
	maxWait, err := p.cfg.duration("sink-max-wait")
	if err != nil {
		return err
	}
	maxRows, err := p.cfg.int("sink-max-rows")
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.runCtx, p.stop = sctx, cancel
	p.sinks = map[string]*stream.Sink{}
	groups := map[string]string{}
	for _, r := range p.regions {
		// One consumer group per region feeds both stores: each event is fetched and decoded
		// once, and ClickHouse and PostgreSQL always hold the same prefix of the log.
		sink := stream.NewSink(stream.SinkConfig{
			Name: "stores", Brokers: p.brokers, Auth: p.kafka, Topic: stream.EventsTopic(r),
			Group: stream.StoresGroup(r), DeadLetterTopic: stream.DeadLetterTopic(r),
			MaxWait: maxWait, MaxRows: maxRows, Logger: p.log,
		}, stream.EventHandler{Region: r, Stores: map[string]stream.EventStore{
			"clickhouse": &clickhouse.EventWriter{DB: p.ch[r], Region: r, Keys: p.keyring},
			"postgres":   &postgres.StateWriter{DB: p.pg, Region: r},
		}, Claims: &postgres.EventClaims{DB: p.pg, Region: r}})
		p.sinks[r] = sink
		groups[stream.StoresGroup(r)] = stream.EventsTopic(r)
		p.sinkWG.Add(1)
		go func() {
			defer p.sinkWG.Done()
			if err := sink.Run(sctx); err != nil {
				p.log.Error("sink stopped", "region", r, "err", err)
			}
		}()
	}
	p.startLive()
	if err := p.startAnalysis(groups); err != nil {
		return err
	}
	if err := p.startAnswers(); err != nil {
		return err
	}
	if err := p.startEngine(groups); err != nil {
		return err
	}
	return p.metrics.Register(stream.NewLagCollector(p.brokers, p.kafka, groups, p.log))
}

// ready checks every engine the platform depends on.
func (p *platform) ready(ctx context.Context) map[string]string {
	out := map[string]string{}
	check := func(name string, err error) {
		if err != nil {
			out[name] = stream.RedactPaths(err.Error())
		} else {
			out[name] = "ok"
		}
	}
	check("kafka", stream.Ping(ctx, p.brokers, p.kafka))
	// While the local server is down its supervisor knows why; a ping would only time out.
	var pgErr error
	if p.pgLocal != nil {
		pgErr = p.pgLocal.Health()
	}
	if pgErr == nil {
		pgErr = p.pg.Ping(ctx)
	}
	if pgErr != nil {
		// The answer names no socket path, host or user; the log keeps the whole error.
		p.log.Warn("readiness: postgres", "err", pgErr)
		if !errors.Is(pgErr, pglocal.ErrDown) {
			pgErr = postgres.PublicError(pgErr)
		}
	}
	check("postgres", pgErr)
	for r, db := range p.ch {
		check("clickhouse."+r, db.Ping(ctx))
	}
	// A sink that cannot store its batch leaves acknowledged events unqueryable.
	for r, s := range p.sinks {
		check("sink."+r, s.Health())
	}
	// Subscriptions miss what is written before their region's tail found the end of the log.
	if p.live != nil {
		for _, r := range p.regions {
			var err error
			if !p.live.Tailing(r) {
				err = errors.New("live events: still finding the end of the topic")
			}
			check("live."+r, err)
		}
	}
	return out
}

// close stops the sinks (each flushes its batch in hand), then the engines, in reverse order.
func (p *platform) close() {
	if p.stop != nil {
		p.stop()
		p.sinkWG.Wait()
	}
	if p.producer != nil {
		if err := p.producer.Close(); err != nil {
			p.log.Warn("closing producer", "err", err)
		}
	}
	closed := map[clickhouse.DB]bool{}
	for _, db := range p.ch {
		if !closed[db] {
			closed[db] = true
			_ = db.Close()
		}
	}
	if p.broker != nil {
		p.broker.Close()
	}
	if p.audit != nil {
		// After the API and the sinks: what they queued is written, then every region anchored.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := p.audit.Close(ctx); err != nil {
			p.log.Error("closing the audit trail", "err", err)
		}
		cancel()
	}
	if p.knowledge != nil {
		p.knowledge.Close()
	}
	if p.pg != nil {
		p.pg.Close()
	}
	if p.pgLocal != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.pgLocal.Stop(ctx); err != nil {
			p.log.Warn("stopping local PostgreSQL", "err", err)
		}
	}
	if p.unlock != nil {
		p.unlock()
	}
}

// heldCustomers gives retention the customers under a legal hold in a region, whatever
// their tenant (customer ids are unique across tenants, and sparing more is safe).
type heldCustomers struct{ h *erasure.Holds }

func (c heldCustomers) Held(ctx context.Context, region string) ([]string, error) {
	byTenant, err := c.h.Held(ctx, region)
	var ids []string
	for _, t := range byTenant {
		ids = append(ids, t...)
	}
	return ids, err
}
