package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// ErasedTable is what an erasure did to one table of a region.
type ErasedTable struct {
	Table  string
	Action string // "deleted" or "anonymised"
	Rows   int64
}

// CustomerFamily returns the customer id holds in region: the customer it was merged into (or
// itself) and every id merged into that one, canonical first. found is false when region
// knows none of them (no customer row, no identity, no data key).
func (db *DB) CustomerFamily(ctx context.Context, region, tenant, id string) (canonical string, ids []string, found bool, err error) {
	schema := RegionSchema(region)
	canonical = id
	err = db.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT merged_into FROM %s.customer_merges WHERE tenant_id = $1 AND customer_id = $2`, schema), tenant, id).Scan(&canonical)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", nil, false, fmt.Errorf("erasure %s: %w", region, err)
	}
	err = db.Pool.QueryRow(ctx, fmt.Sprintf(`
SELECT EXISTS (SELECT 1 FROM %[1]s.customers WHERE tenant_id = $1 AND customer_id = $2)
    OR EXISTS (SELECT 1 FROM %[1]s.identities WHERE tenant_id = $1 AND customer_id = $2)
    OR EXISTS (SELECT 1 FROM %[1]s.customer_keys WHERE tenant_id = $1 AND customer_id = $2)`, schema), tenant, canonical).Scan(&found)
	if err != nil {
		return "", nil, false, fmt.Errorf("erasure %s: %w", region, err)
	}
	if !found {
		return canonical, nil, false, nil
	}
	ids = []string{canonical}
	rows, err := db.Pool.Query(ctx, fmt.Sprintf(`SELECT customer_id FROM %s.customer_merges WHERE tenant_id = $1 AND merged_into = $2 ORDER BY merged_at`, schema), tenant, canonical)
	if err != nil {
		return "", nil, false, fmt.Errorf("erasure %s: %w", region, err)
	}
	merged, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", nil, false, fmt.Errorf("erasure %s: %w", region, err)
	}
	for _, m := range merged {
		if !slices.Contains(ids, m) {
			ids = append(ids, m)
		}
	}
	return canonical, ids, true, nil
}

// erasureSteps are the statements of an erasure, in order: @ids are the customer's ids,
// @replacement the pseudonym that replaces them where a row stays, @convs their conversations.
// Rows that exist only for the person (their identities, addresses, sent messages, caches,
// receipts, consents) are deleted; rows the service's history needs (a conversation, its work
// item) stay with the customer id replaced and their free text cleared. Data keys are not
// here: the keyring deletes them (crypto-shredding).
var erasureSteps = []struct {
	table, action, sql string
	// elsewhere: the step also applies in the other regions, which hold a handed-off
	// conversation's work row and hand-off (follow-the-sun) but nothing else of the customer.
	elsewhere bool
}{
	{"identities", "deleted", `DELETE FROM %s.identities WHERE tenant_id = @tenant AND (customer_id = ANY(@ids) OR sealed_by = ANY(@ids))`, false},
	{"customer_merges", "deleted", `DELETE FROM %s.customer_merges WHERE tenant_id = @tenant AND (customer_id = ANY(@ids) OR merged_into = ANY(@ids))`, false},
	{"conversation_addresses", "deleted", `DELETE FROM %s.conversation_addresses WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
	{"channel_receipts", "deleted", `DELETE FROM %s.channel_receipts WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
	{"outbound_messages", "deleted", `DELETE FROM %s.outbound_messages WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
	{"translations", "deleted", `DELETE FROM %s.translations WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
	{"consents", "deleted", `DELETE FROM %s.consents WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
	{"handoffs", "anonymised", `UPDATE %s.handoffs SET summary = '', next_step = '' WHERE tenant_id = @tenant AND conversation_id = ANY(@convs) AND (summary <> '' OR next_step <> '')`, true},
	{"decisions", "anonymised", `UPDATE %s.decisions SET events = '[]' WHERE tenant_id = @tenant AND conversation_id = ANY(@convs) AND published AND events <> '[]'`, true},
	{"conversations", "anonymised", `UPDATE %s.conversations SET customer_id = @replacement WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
	{"work", "anonymised", `UPDATE %s.work SET customer_id = @replacement WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, true},
	{"customers", "deleted", `DELETE FROM %s.customers WHERE tenant_id = @tenant AND customer_id = ANY(@ids)`, false},
}

// EraseCustomer removes the personal data of the customers ids (one person: a customer and
// those merged into it) from region's tables in one transaction, replacing their id by
// replacement where a row stays. It returns what it did per table, tables it did not touch
// included (0 rows), and the customer's conversations, for EraseCustomerElsewhere.
func (db *DB) EraseCustomer(ctx context.Context, region, tenant string, ids []string, replacement string) ([]ErasedTable, []string, error) {
	var convs []string
	var out []ErasedTable
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, fmt.Sprintf(`
SELECT conversation_id FROM %[1]s.conversations WHERE tenant_id = $1 AND customer_id = ANY($2)
UNION SELECT conversation_id FROM %[1]s.conversation_addresses WHERE tenant_id = $1 AND customer_id = ANY($2)
UNION SELECT conversation_id FROM %[1]s.work WHERE tenant_id = $1 AND customer_id = ANY($2)`, RegionSchema(region)), tenant, ids)
		if err != nil {
			return err
		}
		if convs, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		out, err = eraseSteps(ctx, tx, region, false, tenant, ids, replacement, convs)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("erasure %s: %w", region, err)
	}
	return out, convs, nil
}

// EraseCustomerElsewhere clears what another region holds of the customer's conversations
// convs after a hand-off: their work rows (the customer id replaced) and hand-off summaries.
func (db *DB) EraseCustomerElsewhere(ctx context.Context, region, tenant string, ids []string, replacement string, convs []string) ([]ErasedTable, error) {
	var out []ErasedTable
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var err error
		out, err = eraseSteps(ctx, tx, region, true, tenant, ids, replacement, convs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("erasure %s: %w", region, err)
	}
	return out, nil
}

func eraseSteps(ctx context.Context, tx pgx.Tx, region string, elsewhere bool, tenant string, ids []string, replacement string, convs []string) ([]ErasedTable, error) {
	out := make([]ErasedTable, 0, len(erasureSteps))
	args := pgx.NamedArgs{"tenant": tenant, "ids": ids, "replacement": replacement, "convs": convs}
	for _, s := range erasureSteps {
		if elsewhere && !s.elsewhere {
			continue
		}
		tag, err := tx.Exec(ctx, fmt.Sprintf(s.sql, RegionSchema(region)), args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.table, err)
		}
		out = append(out, ErasedTable{Table: s.table, Action: s.action, Rows: tag.RowsAffected()})
	}
	return out, nil
}

// residueQueries count, per table, the rows that still name one of the ids ($2).
var residueQueries = []struct{ table, sql string }{
	{"customers", `SELECT count(*) FROM %s.customers WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"customer_keys", `SELECT count(*) FROM %s.customer_keys WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"identities", `SELECT count(*) FROM %s.identities WHERE tenant_id = $1 AND (customer_id = ANY($2) OR sealed_by = ANY($2))`},
	{"customer_merges", `SELECT count(*) FROM %s.customer_merges WHERE tenant_id = $1 AND (customer_id = ANY($2) OR merged_into = ANY($2))`},
	{"conversation_addresses", `SELECT count(*) FROM %s.conversation_addresses WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"channel_receipts", `SELECT count(*) FROM %s.channel_receipts WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"outbound_messages", `SELECT count(*) FROM %s.outbound_messages WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"translations", `SELECT count(*) FROM %s.translations WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"consents", `SELECT count(*) FROM %s.consents WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"conversations", `SELECT count(*) FROM %s.conversations WHERE tenant_id = $1 AND customer_id = ANY($2)`},
	{"work", `SELECT count(*) FROM %s.work WHERE tenant_id = $1 AND customer_id = ANY($2)`},
}

// CustomerResidue counts, per table of region, the rows that still name one of the ids; an
// erasure is verified when every count is 0.
func (db *DB) CustomerResidue(ctx context.Context, region, tenant string, ids []string) (map[string]int64, error) {
	schema := RegionSchema(region)
	out := make(map[string]int64, len(residueQueries))
	for _, q := range residueQueries {
		var n int64
		if err := db.Pool.QueryRow(ctx, fmt.Sprintf(q.sql, schema), tenant, ids).Scan(&n); err != nil {
			return nil, fmt.Errorf("erasure %s: %s: %w", region, q.table, err)
		}
		out[q.table] = n
	}
	return out, nil
}
