package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/channels"
	"github.com/meridian-cs/meridian/compliance/shred"
)

// ChannelState holds what the channels need between messages, per region: where each
// conversation's replies go, which platform deliveries were taken, and the send ledger.
// Addresses, reply tokens and reply texts are sealed with the customer's data key.
type ChannelState struct {
	DB      *DB
	Keys    Keyring
	Regions []string
}

// maxThread bounds the e-mail ids kept per conversation (References of a reply).
const maxThread = 20

// Thread implements channels.Threads: a redelivery goes where the first delivery went (and
// says again whether it opened it); else
// the message continues the customer's open conversation (whatever channel it started on, and
// including conversations of customers merged into this one); else it opens one.
func (s *ChannelState) Thread(ctx context.Context, region string, in channels.Inbound) (conv string, opened bool, err error) {
	// Data keys are fetched outside the transaction (creating one takes a connection of its
	// own; a transaction waiting for a second connection starves the pool under load). The
	// conversation's owner is known only inside it: when it is a customer whose key is not in
	// hand (a customer merged into this one), the transaction is retried with it.
	sealers := map[string]*shred.Sealer{}
	need := in.CustomerID
	for range 3 {
		if sealers[need] == nil {
			if sealers[need], err = s.Keys.Sealer(ctx, region, in.Tenant, need); err != nil {
				return "", false, fmt.Errorf("channel state %s: thread: %w", region, err)
			}
		}
		conv, opened, need, err = s.thread(ctx, region, in, sealers)
		if need == "" {
			break
		}
	}
	if err != nil {
		return "", false, fmt.Errorf("channel state %s: thread: %w", region, err)
	}
	return conv, opened, nil
}

// thread is one attempt of Thread. need names a customer whose sealer it lacked.
func (s *ChannelState) thread(ctx context.Context, region string, in channels.Inbound, sealers map[string]*shred.Sealer) (conv string, opened bool, need string, err error) {
	schema := RegionSchema(region)
	err = pgx.BeginFunc(ctx, s.DB.Pool, func(tx pgx.Tx) error {
		// One customer's messages are threaded one at a time, or two first messages would
		// open two conversations.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 16))`, in.Tenant+"/"+in.CustomerID); err != nil {
			return err
		}
		// A retry of a delivery Kafka never acknowledged must produce the same events again.
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT conversation_id, opened FROM %s.channel_receipts WHERE tenant_id = $1 AND event_id = $2`, schema), in.Tenant, in.EventID).Scan(&conv, &opened)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var owner string
		err = tx.QueryRow(ctx, fmt.Sprintf(`
SELECT a.conversation_id, a.customer_id FROM %[1]s.conversation_addresses a
LEFT JOIN %[1]s.conversations c ON c.tenant_id = a.tenant_id AND c.conversation_id = a.conversation_id
WHERE a.tenant_id = $1
  AND a.customer_id = ANY(ARRAY[$2::text] || ARRAY(SELECT customer_id FROM %[1]s.customer_merges WHERE tenant_id = $1 AND merged_into = $2))
  AND coalesce(c.status, 'queued') <> 'resolved'
ORDER BY a.last_inbound_at DESC LIMIT 1`, schema), in.Tenant, in.CustomerID).Scan(&conv, &owner)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			conv, owner, opened = in.NewConversationID, in.CustomerID, true
		case err != nil:
			return err
		}
		sealer := sealers[owner]
		if sealer == nil {
			need = owner
			return errNeedSealer
		}
		var b shred.Batch
		recipient, token := sealer.Seal(&b, in.Recipient), sealer.Seal(&b, in.ReplyToken)
		subject := sealer.Seal(&b, in.Subject)
		thread := in.Thread
		if len(thread) > maxThread {
			thread = thread[len(thread)-maxThread:]
		}
		// E-mail ids (a Message-ID often names the sender's domain) are sealed: a reply
		// needs them back for In-Reply-To and References.
		sealed := make([]string, len(thread))
		for i, id := range thread {
			sealed[i] = sealer.Seal(&b, id)
		}
		thread = sealed
		if opened {
			_, err = tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.conversation_addresses
(tenant_id, conversation_id, customer_id, channel, account, recipient, reply_token, thread, subject, last_inbound_at, opened_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, schema),
				in.Tenant, conv, owner, in.Channel, in.Account, recipient, token, thread, subject, in.At)
		} else {
			// The address follows the latest message; an older message arriving late does not
			// move it back.
			_, err = tx.Exec(ctx, fmt.Sprintf(`UPDATE %s.conversation_addresses SET
  channel = CASE WHEN $3 >= last_inbound_at THEN $4 ELSE channel END,
  account = CASE WHEN $3 >= last_inbound_at THEN $5 ELSE account END,
  recipient = CASE WHEN $3 >= last_inbound_at THEN $6 ELSE recipient END,
  reply_token = CASE WHEN $3 >= last_inbound_at THEN $7 ELSE reply_token END,
  thread = (SELECT coalesce(array_agg(x ORDER BY n), '{}') FROM (SELECT x, n FROM unnest(thread || $8::text[]) WITH ORDINALITY AS t(x, n) ORDER BY n DESC LIMIT %d) y),
  subject = CASE WHEN $9 <> '' AND $3 >= last_inbound_at THEN $9 ELSE subject END,
  last_inbound_at = GREATEST(last_inbound_at, $3)
WHERE tenant_id = $1 AND conversation_id = $2`, schema, maxThread),
				in.Tenant, conv, in.At, in.Channel, in.Account, recipient, token, thread, subject)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.channel_receipts (tenant_id, event_id, conversation_id, customer_id, channel, opened, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, schema),
			in.Tenant, in.EventID, conv, in.CustomerID, in.Channel, opened, in.At)
		return err
	})
	if errors.Is(err, errNeedSealer) {
		return "", false, need, err
	}
	return conv, opened, "", err
}

var errNeedSealer = errors.New("the conversation's owner's data key is not in hand")

// Address returns where a conversation's replies go, opened, looking in every region.
func (s *ChannelState) Address(ctx context.Context, tenant, conversationID string) (channels.Address, error) {
	for _, r := range s.Regions {
		schema := RegionSchema(r)
		a := channels.Address{Region: r, Tenant: tenant, ConversationID: conversationID}
		var recipient, token, subject string
		err := s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`
SELECT a.customer_id, coalesce(c.country, ''), a.channel, a.account, a.recipient, a.reply_token, a.thread, a.subject, a.last_inbound_at
FROM %[1]s.conversation_addresses a LEFT JOIN %[1]s.customers c ON c.tenant_id = a.tenant_id AND c.customer_id = a.customer_id
WHERE a.tenant_id = $1 AND a.conversation_id = $2`, schema), tenant, conversationID).
			Scan(&a.CustomerID, &a.Country, &a.Channel, &a.Account, &recipient, &token, &a.Thread, &subject, &a.LastInbound)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return a, err
		}
		op, err := s.Keys.Opener(ctx, r, tenant, a.CustomerID)
		if err != nil {
			return a, err
		}
		if a.Recipient, err = op.Open(recipient); err != nil {
			return a, err
		}
		if a.ReplyToken, err = op.Open(token); err != nil {
			return a, err
		}
		if a.Subject, err = op.Open(subject); err != nil {
			return a, err
		}
		// Each id once, first seen first (References run oldest first); ids threaded before
		// they were sealed are read as they are until pushed out.
		thread := a.Thread[:0]
		for _, id := range a.Thread {
			if shred.IsSealed(id) {
				if id, err = op.Open(id); err != nil {
					return a, err
				}
			}
			if !slices.Contains(thread, id) {
				thread = append(thread, id)
			}
		}
		a.Thread = thread
		return a, nil
	}
	return channels.Address{}, channels.ErrNoAddress
}

const outboundColumns = `message_id, client_message_id, conversation_id, customer_id, channel, account, recipient, text, agent_id, state, platform_message_id, reason, attempts, published, created_at, updated_at, localisation`

// sealedOutbound are a ledger row's sealed columns, opened by open.
type sealedOutbound struct{ recipient, text, localisation string }

func (m *sealedOutbound) open(op *shred.Opener, out *channels.OutboundMessage) error {
	var err error
	if out.Recipient, err = op.Open(m.recipient); err != nil {
		return err
	}
	if out.Text, err = op.Open(m.text); err != nil {
		return err
	}
	loc, err := op.Open(m.localisation)
	if err != nil || loc == "" {
		return err
	}
	out.Localisation = &channels.Localisation{}
	return json.Unmarshal([]byte(loc), out.Localisation)
}

func (s *ChannelState) scanOutbound(ctx context.Context, region, tenant string, row pgx.Row) (channels.OutboundMessage, error) {
	m := channels.OutboundMessage{Tenant: tenant, Region: region}
	var sealed sealedOutbound
	err := row.Scan(&m.ID, &m.ClientMessageID, &m.ConversationID, &m.CustomerID, &m.Channel, &m.Account, &sealed.recipient, &sealed.text, &m.AgentID,
		&m.State, &m.PlatformMessageID, &m.Reason, &m.Attempts, &m.Published, &m.CreatedAt, &m.UpdatedAt, &sealed.localisation)
	if err != nil {
		return m, err
	}
	op, err := s.Keys.Opener(ctx, region, tenant, m.CustomerID)
	if err != nil {
		return m, err
	}
	return m, sealed.open(op, &m)
}

// Enqueue writes a reply into the ledger as pending. A reply with the same client message id
// in the same conversation is the same reply: the existing row comes back with created false.
func (s *ChannelState) Enqueue(ctx context.Context, m channels.OutboundMessage) (channels.OutboundMessage, bool, error) {
	schema := RegionSchema(m.Region)
	sealer, err := s.Keys.Sealer(ctx, m.Region, m.Tenant, m.CustomerID)
	if err != nil {
		return m, false, err
	}
	var b shred.Batch
	var loc string
	if m.Localisation != nil {
		raw, err := json.Marshal(m.Localisation)
		if err != nil {
			return m, false, err
		}
		loc = sealer.Seal(&b, string(raw))
	}
	tag, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`INSERT INTO %s.outbound_messages
(tenant_id, message_id, client_message_id, conversation_id, customer_id, channel, account, recipient, text, agent_id, state, localisation)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) ON CONFLICT DO NOTHING`, schema),
		m.Tenant, m.ID, m.ClientMessageID, m.ConversationID, m.CustomerID, m.Channel, m.Account, sealer.Seal(&b, m.Recipient), sealer.Seal(&b, m.Text), m.AgentID, loc)
	if err != nil {
		return m, false, fmt.Errorf("send ledger %s: %w", m.Region, err)
	}
	var row pgx.Row
	if m.ClientMessageID != "" {
		row = s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.outbound_messages WHERE tenant_id = $1 AND conversation_id = $2 AND client_message_id = $3`, outboundColumns, schema), m.Tenant, m.ConversationID, m.ClientMessageID)
	} else {
		row = s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.outbound_messages WHERE tenant_id = $1 AND message_id = $2`, outboundColumns, schema), m.Tenant, m.ID)
	}
	got, err := s.scanOutbound(ctx, m.Region, m.Tenant, row)
	if err != nil {
		return m, false, fmt.Errorf("send ledger %s: %w", m.Region, err)
	}
	return got, tag.RowsAffected() == 1, nil
}

// Get reads one reply of the ledger.
func (s *ChannelState) Get(ctx context.Context, region, tenant, id string) (channels.OutboundMessage, error) {
	row := s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT %s FROM %s.outbound_messages WHERE tenant_id = $1 AND message_id = $2`, outboundColumns, RegionSchema(region)), tenant, id)
	m, err := s.scanOutbound(ctx, region, tenant, row)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, channels.ErrNoMessage
	}
	return m, err
}

// Claim marks a pending reply as being sent. Only one claimer wins; false means another
// process has it or it is no longer pending.
func (s *ChannelState) Claim(ctx context.Context, region, tenant, id string) (bool, error) {
	tag, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.outbound_messages SET state = 'sending', attempts = attempts + 1, updated_at = now()
WHERE tenant_id = $1 AND message_id = $2 AND state = 'pending'`, RegionSchema(region)), tenant, id)
	if err != nil {
		return false, fmt.Errorf("send ledger %s: claim: %w", region, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Finish records a send's outcome: sent (with the platform's id as channels.MessageRef), failed (with its reason),
// or pending again (a retryable error: tried again at retryAt).
func (s *ChannelState) Finish(ctx context.Context, region, tenant, id, state, platformID, reason string, retryAt time.Time) error {
	_, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.outbound_messages SET state = $3, platform_message_id = $4, reason = $5, next_attempt_at = $6, updated_at = now()
WHERE tenant_id = $1 AND message_id = $2 AND state = 'sending'`, RegionSchema(region)), tenant, id, state, platformID, reason, retryAt)
	if err != nil {
		return fmt.Errorf("send ledger %s: finish: %w", region, err)
	}
	return nil
}

// MarkPublished records that a sent reply's message.sent event is acknowledged.
func (s *ChannelState) MarkPublished(ctx context.Context, region, tenant, id string) error {
	_, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.outbound_messages SET published = true WHERE tenant_id = $1 AND message_id = $2`, RegionSchema(region)), tenant, id)
	return err
}

// Due lists replies to work on in a region: pending ones whose time has come, and sent ones
// whose event is not yet published.
func (s *ChannelState) Due(ctx context.Context, region string, now time.Time, limit int) ([]channels.OutboundMessage, error) {
	rows, err := s.DB.Pool.Query(ctx, fmt.Sprintf(`SELECT tenant_id, %s FROM %s.outbound_messages
WHERE (state = 'pending' AND next_attempt_at <= $1) OR (state <> 'failed' AND state <> 'sending' AND state <> 'pending' AND NOT published)
ORDER BY next_attempt_at LIMIT $2`, outboundColumns, RegionSchema(region)), now, limit)
	if err != nil {
		return nil, fmt.Errorf("send ledger %s: due: %w", region, err)
	}
	defer rows.Close()
	var out []channels.OutboundMessage
	for rows.Next() {
		var tenant string
		m := channels.OutboundMessage{Region: region}
		var sealed sealedOutbound
		vals := []any{&tenant, &m.ID, &m.ClientMessageID, &m.ConversationID, &m.CustomerID, &m.Channel, &m.Account, &sealed.recipient, &sealed.text, &m.AgentID,
			&m.State, &m.PlatformMessageID, &m.Reason, &m.Attempts, &m.Published, &m.CreatedAt, &m.UpdatedAt, &sealed.localisation}
		if err := rows.Scan(vals...); err != nil {
			return nil, err
		}
		m.Tenant = tenant
		op, err := s.Keys.Opener(ctx, region, tenant, m.CustomerID)
		if errors.Is(err, shred.ErrErased) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := sealed.open(op, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// FailInterrupted fails the replies that have been sending for longer than after: their
// process stopped mid-call (a call in progress never takes that long).
func (s *ChannelState) FailInterrupted(ctx context.Context, region string, after time.Duration) (int64, error) {
	tag, err := s.DB.Pool.Exec(ctx, fmt.Sprintf(`UPDATE %s.outbound_messages SET state = 'failed', reason = $1, updated_at = now()
WHERE state = 'sending' AND updated_at < now() - make_interval(secs => $2)`, RegionSchema(region)), channels.ReasonInterrupted, after.Seconds())
	if err != nil {
		return 0, fmt.Errorf("send ledger %s: %w", region, err)
	}
	return tag.RowsAffected(), nil
}

// Receipt applies a platform's status update to the reply it names, in whichever region holds
// it; states only move forward (channels.Later, written here as one guarded UPDATE so that
// concurrent receipts cannot move a reply back). It reports whether a reply was found.
func (s *ChannelState) Receipt(ctx context.Context, tenant, channel string, st channels.Status) (bool, error) {
	for _, r := range s.Regions {
		var found bool
		err := s.DB.Pool.QueryRow(ctx, fmt.Sprintf(`WITH m AS (
  SELECT message_id FROM %[1]s.outbound_messages WHERE tenant_id = $1 AND channel = $2 AND platform_message_id = $3
), u AS (
  UPDATE %[1]s.outbound_messages o SET state = $4, reason = CASE WHEN $5 <> '' THEN $5 ELSE o.reason END, updated_at = now()
  FROM m WHERE o.tenant_id = $1 AND o.message_id = m.message_id
    AND array_position($6::text[], o.state) < array_position($6::text[], $4)
)
SELECT EXISTS (SELECT 1 FROM m)`, RegionSchema(r)), tenant, channel, st.MessageID, st.State, st.Reason, stateOrder).Scan(&found)
		if err != nil {
			return false, fmt.Errorf("send ledger %s: receipt: %w", r, err)
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

// stateOrder is channels.Later's order as PostgreSQL compares it.
var stateOrder = []string{channels.StatePending, channels.StateSending, channels.StateSent, channels.StateDelivered, channels.StateRead, channels.StateFailed}
