package email

// IMAP uses github.com/emersion/go-imap v1.2.1, the released line that is maintained for
// fixes; v2 is served only as a beta.

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/meridian-cs/meridian/channels"
)

// maxPerPoll bounds the messages one poll hands over; the rest wait for the next poll.
const maxPerPoll = 200

// Poller reads new mail from an IMAP mailbox. Each poll takes the messages that are unseen
// or newer than the last acknowledged UID (within the same UIDVALIDITY), oldest first, hands
// each to the receiver and marks it \Seen only after the receiver acknowledged it: a crash
// re-reads rather than loses, and the Message-ID makes the re-read count once.
type Poller struct {
	cfg  Config
	recv Receiver
	log  *slog.Logger

	mu          sync.Mutex
	uidValidity uint32
	lastUID     uint32
}

// Poller makes the channel's IMAP poller handing mail to r.
func (c *Channel) Poller(r Receiver) *Poller {
	return &Poller{cfg: c.cfg, recv: r, log: c.cfg.Log.With("channel", Name, "part", "imap")}
}

// Run polls every Config.IMAPPollEvery until ctx ends. A failed poll is logged and tried
// again at the next tick.
func (p *Poller) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.IMAPPollEvery)
	defer t.Stop()
	for {
		if n, err := p.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.log.Error("imap poll failed", "addr", p.cfg.IMAPAddr, "taken", n, "err", err)
		} else if n > 0 {
			p.log.Debug("imap poll", "taken", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Poll runs one poll and returns how many messages the receiver acknowledged. It stops at
// the first message the receiver refuses, leaving it and the later ones unseen.
func (p *Poller) Poll(ctx context.Context) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, stop, err := p.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer stop()
	defer func() { _ = c.Logout() }()

	status, err := c.Select(p.cfg.IMAPMailbox, false)
	if err != nil {
		return 0, fmt.Errorf("email: selecting %s: %w", p.cfg.IMAPMailbox, err)
	}
	if status.UidValidity != p.uidValidity {
		// Another mailbox generation: old UIDs mean nothing in it.
		p.uidValidity, p.lastUID = status.UidValidity, 0
	}
	unseen := imap.NewSearchCriteria()
	unseen.WithoutFlags = []string{imap.SeenFlag}
	uids, err := c.UidSearch(unseen)
	if err != nil {
		return 0, fmt.Errorf("email: searching %s: %w", p.cfg.IMAPMailbox, err)
	}
	if p.lastUID > 0 {
		// Mail someone already read in a mail client is still new to Meridian. "n:*" always
		// matches the highest UID, hence the filter.
		newer := imap.NewSearchCriteria()
		newer.Uid = new(imap.SeqSet)
		newer.Uid.AddRange(p.lastUID+1, 0)
		more, err := c.UidSearch(newer)
		if err != nil {
			return 0, fmt.Errorf("email: searching %s: %w", p.cfg.IMAPMailbox, err)
		}
		for _, u := range more {
			if u > p.lastUID && !slices.Contains(uids, u) {
				uids = append(uids, u)
			}
		}
	}
	slices.Sort(uids)
	if len(uids) > maxPerPoll {
		uids = uids[:maxPerPoll]
	}
	taken := 0
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return taken, err
		}
		if err := p.take(ctx, c, uid); err != nil {
			return taken, err
		}
		taken++
		p.lastUID = max(p.lastUID, uid)
	}
	return taken, nil
}

// take fetches one message without setting \Seen, hands it over and then marks it seen.
func (p *Poller) take(ctx context.Context, c *client.Client, uid uint32) error {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchInternalDate, section.FetchItem()}, ch)
	}()
	var raw []byte
	var internal time.Time
	for msg := range ch {
		internal = msg.InternalDate
		if b := msg.GetBody(section); b != nil {
			var err error
			if raw, err = io.ReadAll(b); err != nil {
				raw = nil
			}
		}
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("email: fetching uid %d: %w", uid, err)
	}
	if raw == nil {
		// Expunged between search and fetch: nothing to take.
		return nil
	}
	received := internal
	if received.IsZero() {
		received = p.cfg.Now()
	}
	m, err := Parse(raw, p.cfg.IMAPAccount, received)
	if err != nil {
		// Not mail, but someone's: keep it as an unknown event rather than re-reading it
		// forever or dropping it.
		sum := sha256.Sum256(raw)
		m = channels.Message{
			ID:        "sha256-" + hex.EncodeToString(sum[:16]),
			Account:   p.cfg.IMAPAccount,
			Timestamp: received,
			Kind:      Kind,
			Unknown:   err.Error(),
		}
		p.log.Warn("imap message not parsed", "uid", uid, "err", err)
	}
	if m.Attributes == nil {
		m.Attributes = map[string]string{}
	}
	m.Attributes["imap_uid"] = fmt.Sprint(uid)
	if err := p.recv.Receive(ctx, Name, &channels.Delivery{Messages: []channels.Message{m}}); err != nil {
		return fmt.Errorf("email: message uid %d not acknowledged: %w", uid, err)
	}
	if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.SeenFlag}, nil); err != nil {
		// Acknowledged but not marked: the next poll re-reads it and the id dedupes it.
		return fmt.Errorf("email: marking uid %d seen: %w", uid, err)
	}
	return nil
}

func (p *Poller) connect(ctx context.Context) (_ *client.Client, stop func() bool, err error) {
	addr := p.cfg.IMAPAddr
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("email: connecting to %s: %w", addr, err)
	}
	// go-imap v1 takes no context: the deadline and ctx's end close the connection.
	_ = conn.SetDeadline(time.Now().Add(10 * time.Minute))
	unwatch := context.AfterFunc(ctx, func() { conn.Close() })
	defer func() {
		if err != nil {
			unwatch()
			conn.Close()
		}
	}()
	tlsCfg := (&Channel{cfg: p.cfg}).clientTLS(addr)
	var c *client.Client
	switch p.cfg.IMAPTLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, nil, fmt.Errorf("email: tls to %s: %w", addr, err)
		}
		c, err = client.New(tc)
	default:
		c, err = client.New(conn)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("email: imap greeting from %s: %w", addr, err)
	}
	if p.cfg.IMAPTLS == TLSStart {
		if err := c.StartTLS(tlsCfg); err != nil {
			return nil, nil, fmt.Errorf("email: starttls to %s: %w", addr, err)
		}
	}
	if err := c.Login(p.cfg.IMAPUsername, p.cfg.IMAPPassword); err != nil {
		_ = c.Logout()
		return nil, nil, fmt.Errorf("email: imap login to %s: %w", addr, err)
	}
	return c, unwatch, nil
}
