package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// A customer handed from eu to us (follow-the-sun): erasing them in eu and then elsewhere
// leaves their conversation and work rows under the replacement id, no hand-off summary in
// either region, and another customer's rows as they were.
func TestEraseCustomerReachesTheRowsAHandOffLeftInAnotherRegion(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for _, c := range []struct{ customer, conv string }{{"cus_ana", "conv_ana"}, {"cus_bo", "conv_bo"}} {
		for _, q := range []string{
			`INSERT INTO region_eu.customers (tenant_id, customer_id, country, first_seen_at, last_seen_at) VALUES ('t', @customer, 'DE', now(), now())`,
			`INSERT INTO region_eu.conversations (tenant_id, conversation_id, customer_id, status, opened_at, last_event_at) VALUES ('t', @conv, @customer, 'assigned', now(), now())`,
			`INSERT INTO region_eu.work (tenant_id, conversation_id, customer_id, status, waiting_since) VALUES ('t', @conv, @customer, 'assigned', now())`,
			`INSERT INTO region_us.work (tenant_id, conversation_id, customer_id, status, waiting_since) VALUES ('t', @conv, @customer, 'assigned', now())`,
			`INSERT INTO region_eu.handoffs (tenant_id, handoff_id, conversation_id, home_region, from_region, to_region, reason, summary, next_step, created_at) VALUES ('t', 'h_' || @conv, @conv, 'eu', 'eu', 'us', 'shift_end', 'wants a refund for ' || @customer, 'call back', now())`,
			`INSERT INTO region_us.handoffs (tenant_id, handoff_id, conversation_id, home_region, from_region, to_region, reason, summary, next_step, created_at) VALUES ('t', 'h_' || @conv, @conv, 'eu', 'eu', 'us', 'shift_end', 'wants a refund for ' || @customer, 'call back', now())`,
		} {
			if _, err := db.Pool.Exec(ctx, q, pgx.NamedArgs{"customer": c.customer, "conv": c.conv}); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	ids := []string{"cus_ana"}
	done, convs, err := db.EraseCustomer(ctx, "eu", "t", ids, "erased_1")
	if err != nil || fmt.Sprint(convs) != "[conv_ana]" {
		t.Fatalf("EraseCustomer: %v %v", convs, err)
	}
	rows := map[string]int64{}
	for _, d := range done {
		rows[d.Table] = d.Rows
	}
	if rows["customers"] != 1 || rows["conversations"] != 1 || rows["work"] != 1 || rows["handoffs"] != 1 {
		t.Fatalf("eu: %+v", done)
	}
	if _, err := db.EraseCustomerElsewhere(ctx, "us", "t", ids, "erased_1", convs); err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"eu", "us"} {
		left, err := db.CustomerResidue(ctx, region, "t", ids)
		if err != nil {
			t.Fatal(err)
		}
		for table, n := range left {
			if n != 0 {
				t.Errorf("%s.%s still names ana: %d rows", region, table, n)
			}
		}
		var got string
		err = db.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT string_agg(conversation_id || ':' || summary || ':' || next_step, ',' ORDER BY conversation_id) FROM region_%s.handoffs`, region)).Scan(&got)
		if err != nil || got != "conv_ana::,conv_bo:wants a refund for cus_bo:call back" {
			t.Errorf("%s hand-offs: %q %v", region, got, err)
		}
		err = db.Pool.QueryRow(ctx, fmt.Sprintf(`SELECT string_agg(conversation_id || ':' || customer_id, ',' ORDER BY conversation_id) FROM region_%s.work`, region)).Scan(&got)
		if err != nil || got != "conv_ana:erased_1,conv_bo:cus_bo" {
			t.Errorf("%s work: %q %v", region, got, err)
		}
	}
}
