// Package crm tells the conversation engine and AI answers who a customer is to the business:
// their tier, the cases they have open and the ones recently closed, read from the CRM or
// help desk the business runs. A Directory finds a customer by e-mail address, phone number
// or external id; Salesforce (REST API, SOQL on Contact and Case) and Zendesk Support
// (users, organizations and requested tickets) implement it.
//
// Tiers are the ones Meridian's identity graph and routing use: "vip", "returning" and "new"
// (Tier*). A CRM's own value (a custom field, a user tag, an organization field) is mapped
// through Config.TierValues; a customer whose CRM says nothing usable is "returning" when
// they have cases on record and "new" otherwise, so a tier is never invented beyond that.
//
// Failures are provider.Errors of service "crm": the kinds of package provider, with the
// CRM's own error code (Salesforce's errorCode, Zendesk's error). Rate limits and server
// errors are retried a bounded number of times, waiting what Retry-After asks (through an
// injectable sleep) when that is not longer than Config.MaxRetryWait. A customer the CRM
// does not know is ErrNotFound, not a failure. Credentials are sent to the configured base
// URL only: pagination links pointing elsewhere are refused.
package crm
