package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-cs/meridian/compliance/retention"
	"github.com/meridian-cs/meridian/models"
)

// Retention deletes a region's rows a retention rule no longer allows (retention.Store). A
// row's country is its customer's (customers.country; a row whose customer is unknown counts
// as no country, so only the default rule cuts it).
type Retention struct {
	DB *DB
}

// conversationTables hold a conversation's state beside conversations itself, each keyed by
// (tenant_id, conversation_id); they go with their conversation.
var conversationTables = []string{"conversation_addresses", "work", "decisions", "pages", "handoffs", "offers"}

// Cut implements retention.Store, in one transaction per call.
func (s *Retention) Cut(ctx context.Context, region string, c retention.Cut) ([]retention.Removed, error) {
	schema := RegionSchema(region)
	held := c.Held
	if held == nil {
		held = []string{}
	}
	except := c.Rule.Except
	if except == nil {
		except = []string{}
	}
	// $1 cutoff, $2 country ('' = the default rule), $3 the default rule's exceptions, $4 held.
	args := []any{c.Cutoff, c.Rule.Country, except, held}
	country := `(CASE WHEN $2 = '' THEN NOT (COALESCE(cu.country, '') = ANY($3)) ELSE cu.country = $2 END)`
	join := func(alias string) string {
		return fmt.Sprintf(`LEFT JOIN %s.customers cu ON cu.tenant_id = %s.tenant_id AND cu.customer_id = %s.customer_id`, pgx.Identifier{schema}.Sanitize(), alias, alias)
	}
	q := func(table string) string { return pgx.Identifier{schema, table}.Sanitize() }

	tx, err := s.DB.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres retention: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	var out []retention.Removed
	del := func(table, sql string, args ...any) error {
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("postgres retention: %s.%s: %w", schema, table, err)
		}
		out = append(out, retention.Removed{Table: schema + "." + table, Rows: tag.RowsAffected()})
		return nil
	}
	switch c.Rule.Kind {
	case models.KindConversations:
		// The expired conversations: their last event before the cutoff.
		if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE retention_gone ON COMMIT DROP AS
			SELECT c.tenant_id, c.conversation_id FROM `+q("conversations")+` c `+join("c")+`
			WHERE c.last_event_at < $1 AND `+country+` AND c.customer_id <> ALL($4)`, args...); err != nil {
			return nil, fmt.Errorf("postgres retention: %s: expired conversations: %w", schema, err)
		}
		for _, t := range conversationTables {
			if err := del(t, `DELETE FROM `+q(t)+` x USING retention_gone g
				WHERE x.tenant_id = g.tenant_id AND x.conversation_id = g.conversation_id`); err != nil {
				return nil, err
			}
		}
		if err := del("conversations", `DELETE FROM `+q("conversations")+` x USING retention_gone g
			WHERE x.tenant_id = g.tenant_id AND x.conversation_id = g.conversation_id`); err != nil {
			return nil, err
		}
		if err := del("channel_receipts", `DELETE FROM `+q("channel_receipts")+` x USING (SELECT r.tenant_id, r.event_id FROM `+q("channel_receipts")+` r `+join("r")+`
			WHERE r.received_at < $1 AND `+country+` AND r.customer_id <> ALL($4)) g
			WHERE x.tenant_id = g.tenant_id AND x.event_id = g.event_id`, args...); err != nil {
			return nil, err
		}
	case models.KindSendLedger:
		// Replies still on their way (pending, sending) stay until they are done.
		if err := del("outbound_messages", `DELETE FROM `+q("outbound_messages")+` x USING (SELECT o.tenant_id, o.message_id FROM `+q("outbound_messages")+` o `+join("o")+`
			WHERE o.created_at < $1 AND o.state NOT IN ('pending', 'sending') AND `+country+` AND o.customer_id <> ALL($4)) g
			WHERE x.tenant_id = g.tenant_id AND x.message_id = g.message_id`, args...); err != nil {
			return nil, err
		}
	case models.KindTranslations:
		if err := del("translations", `DELETE FROM `+q("translations")+` x USING (SELECT t.key_hash FROM `+q("translations")+` t `+join("t")+`
			WHERE t.created_at < $1 AND `+country+` AND t.customer_id <> ALL($4)) g
			WHERE x.key_hash = g.key_hash`, args...); err != nil {
			return nil, err
		}
	case models.KindNotes:
		// Notes are events only (ClickHouse); PostgreSQL keeps none.
	default:
		return nil, fmt.Errorf("postgres retention: unknown kind %q", c.Rule.Kind)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres retention: commit: %w", err)
	}
	return out, nil
}
