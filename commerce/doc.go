// Package commerce looks up a shop's orders for the customer asking about them, and opens
// returns, through the shop platform's own API: order status, shipment tracking and return
// (RMA) creation for the AI-answers step ("where is my order #1234?").
//
// # The contract
//
// A [Store] answers for one shop:
//
//   - [Store.Order]: one order by the number the customer knows (Shopify's "#1001", Magento's
//     increment id "000000123"), with its status, items, total and shipments (carrier,
//     tracking number and link, status, estimated delivery);
//   - [Store.Orders]: the customer's most recent orders, found by their e-mail address or
//     phone number, paging through the platform's results;
//   - [Store.CreateReturn]: a return for some of an order's items.
//
// Every call names the asking [Customer]: the e-mail address and E.164 phone number Meridian
// has verified for them (a signed-in shopper, the WhatsApp number a message came from, the
// mailbox a mail came from). An order is shown, or a return opened, only when one of them
// matches the order's own contact ([Visible]: e-mail case-insensitively, phones as E.164).
// An order the customer may not see is [ErrNotFound], exactly as an order that does not
// exist: the answer never hints that it exists.
//
// # Adapters
//
//   - [Shopify]: the Admin API in GraphQL, POST https://{shop}.myshopify.com/admin/api/{version}/graphql.json
//     with X-Shopify-Access-Token. Orders by `name:#1001`; a customer's orders by `email:`
//     (or, for a phone, the customers with it and then `customer_id:`), cursor-paged
//     (pageInfo.hasNextPage / endCursor); returns with the returnCreate mutation, whose
//     userErrors become [ErrRefused]. Shopify limits by calculated query cost: a THROTTLED
//     error waits as long as extensions.cost.throttleStatus says the bucket needs to refill.
//   - [Magento]: Magento 2 (Adobe Commerce) REST with an integration's Bearer token. Orders by
//     searchCriteria on increment_id ("123" also finds "000000123") or customer_email, paged
//     with searchCriteria[pageSize] / [currentPage] until total_count (Magento answers the last
//     page again past the end); Magento cannot search orders by phone, so a customer known
//     only by phone can look an order up by number but not list them ([ErrUnsupported]).
//     Tracks come from /V1/shipments (Magento keeps no carrier events: such shipments are
//     [ShipmentShipped], with a tracking link built for UPS, USPS, FedEx and DHL). Returns are
//     POST /V1/returns — the RMA module of Adobe Commerce; Magento Open Source has no returns
//     API and answers 404, which is [ErrUnsupported] (a refund is a credit memo, the payments
//     side's business, not a return); a 400 is [ErrRefused] with Magento's message.
//
// # Failures
//
// Failures of the platform are *provider.Error with Service "commerce" and the kinds of
// package provider (ErrAuth, ErrRateLimited, ErrTimeout, ErrBadResponse, ErrProvider).
// Retryable ones (429 with or without Retry-After, Shopify's THROTTLED, 5xx, timeouts,
// refused connections) are retried a bounded number of times, waiting what the platform
// asked for when it said; a wait longer than [Options.MaxWait] is not waited for, the error
// is returned. Creating a return is retried only when rate limited (the platform did not run
// it): after a timeout or a 5xx it may have, and a second return must not be opened.
// Each attempt is bounded by [Options.Timeout]; the caller's context bounds them all. Callers hand the conversation to a person on any error: nothing is said to a
// customer that did not come from an order record.
//
// # Configuration
//
// [FromConfig] builds the configured adapter from [Settings] (MERIDIAN_SHOPIFY_SHOP,
// MERIDIAN_SHOPIFY_ACCESS_TOKEN, MERIDIAN_SHOPIFY_API_VERSION, MERIDIAN_SHOPIFY_BASE_URL,
// MERIDIAN_MAGENTO_BASE_URL, MERIDIAN_MAGENTO_TOKEN), or nil when none is: callers then say
// there is no commerce connector.
//
// [OrderNumbers] finds the order numbers a customer quotes in a message, in the demo
// markets' languages, conservatively: a number needs "#" or a word for "order" before it.
package commerce
