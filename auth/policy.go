package auth

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Action is something an API key may do. Policy is the one place that says which roles may
// do it; every endpoint and resolver asks Principal.Can or Principal.Check. How personal data
// is shown to a role that may read it (clear, masked, hidden) is the compliance gate's field
// policy, not this one.
type Action string

// Actions.
const (
	// ActionWriteEvents: POST /v1/events.
	ActionWriteEvents Action = "write_events"
	// ActionReadMetrics: metrics, conversations and their messages (GraphQL, POST /v1/metrics).
	ActionReadMetrics Action = "read_metrics"
	// ActionPlan: forecasts, staffing, follow-the-sun and planning events.
	ActionPlan Action = "plan"
	// ActionReadInsights: opportunities, competitor mentions, price sensitivity, ROI and its scenarios.
	ActionReadInsights Action = "read_insights"
	// ActionReadCustomers: customers and their identities (through the compliance gate).
	ActionReadCustomers Action = "read_customers"
	// ActionReply: send messages to customers on their channels.
	ActionReply Action = "reply"
	// ActionLinkIdentities: link and unlink customers' identities (merge and unmerge) and
	// correct their country.
	ActionLinkIdentities Action = "link_identities"
	// ActionConfigure: configure the tenant's own channel accounts (their secrets).
	ActionConfigure Action = "configure"
	// ActionUnderstand: analyse, translate and culturally adapt texts (analyzeText,
	// translateText, adaptReply, a message's translation).
	ActionUnderstand Action = "understand"
	// ActionReadAgents: the agents of a region, their shifts and presence, and its queues.
	ActionReadAgents Action = "read_agents"
	// ActionManageAgents: describe agents (upsertAgent, meridian agents import).
	ActionManageAgents Action = "manage_agents"
	// ActionSetPresence: set an agent online, away or offline.
	ActionSetPresence Action = "set_presence"
	// ActionWork: assign, transfer, resolve, reopen and escalate conversations, add notes.
	ActionWork Action = "work_conversations"
	// ActionReadKnowledge: the knowledge base's articles and searches in it (articles).
	ActionReadKnowledge Action = "read_knowledge"
	// ActionManageKnowledge: write and delete articles (upsertArticle, deleteArticle,
	// meridian kb import).
	ActionManageKnowledge Action = "manage_knowledge"
	// ActionAnswer: ask the knowledge base for an answer to a customer's question (answer).
	ActionAnswer Action = "answer"
	// ActionAudit: read and verify the audit trail (auditLog, verifyAuditLog).
	ActionAudit Action = "audit"
	// ActionRetention: apply the retention policy now and report where data is
	// (applyRetention, residencyReport).
	ActionRetention Action = "retention"
	// ActionConsent: record and read customers' consent to messages outside a conversation
	// (setConsent, consents).
	ActionConsent Action = "consent"
	// ActionErase: erase customers, export their data and place legal holds (eraseCustomer,
	// exportCustomerData, placeLegalHold, releaseLegalHold, legalHolds).
	ActionErase Action = "erase_customers"
)

// Policy lists, for each action, the roles that may do it, in the order of Roles.
var Policy = map[Action][]string{
	ActionWriteEvents:     {RoleAdmin, RoleIngest},
	ActionReadMetrics:     {RoleAdmin, RoleAgent, RoleSupervisor, RolePlanner, RoleAnalyst, RoleExecutive, RoleCompliance},
	ActionPlan:            {RoleAdmin, RoleSupervisor, RolePlanner},
	ActionReadInsights:    {RoleAdmin, RoleSupervisor, RoleAnalyst, RoleExecutive},
	ActionReadCustomers:   {RoleAdmin, RoleAgent, RoleSupervisor, RoleCompliance},
	ActionReply:           {RoleAdmin, RoleAgent, RoleSupervisor},
	ActionLinkIdentities:  {RoleAdmin, RoleAgent, RoleSupervisor},
	ActionConfigure:       {RoleAdmin},
	ActionUnderstand:      {RoleAdmin, RoleIngest, RoleAgent, RoleSupervisor, RoleAnalyst},
	ActionReadAgents:      {RoleAdmin, RoleAgent, RoleSupervisor, RolePlanner},
	ActionManageAgents:    {RoleAdmin, RoleSupervisor},
	ActionSetPresence:     {RoleAdmin, RoleAgent, RoleSupervisor},
	ActionWork:            {RoleAdmin, RoleAgent, RoleSupervisor},
	ActionReadKnowledge:   {RoleAdmin, RoleAgent, RoleSupervisor, RoleAnalyst},
	ActionManageKnowledge: {RoleAdmin, RoleSupervisor},
	ActionAnswer:          {RoleAdmin, RoleAgent, RoleSupervisor},
	ActionAudit:           {RoleAdmin, RoleCompliance},
	ActionRetention:       {RoleAdmin, RoleCompliance},
	ActionConsent:         {RoleAdmin, RoleAgent, RoleSupervisor, RoleCompliance},
	ActionErase:           {RoleAdmin, RoleCompliance},
}

// Actions lists every action, in the order the documentation shows them.
var Actions = []Action{ActionWriteEvents, ActionReadMetrics, ActionPlan, ActionReadInsights, ActionReadCustomers, ActionReply, ActionLinkIdentities, ActionConfigure, ActionUnderstand, ActionReadAgents, ActionManageAgents, ActionSetPresence, ActionWork, ActionReadKnowledge, ActionManageKnowledge, ActionAnswer, ActionAudit, ActionRetention, ActionConsent, ActionErase}

// describe says what an action lets a key do, for errors and the documentation.
var describe = map[Action]string{
	ActionWriteEvents:     "write events",
	ActionReadMetrics:     "read metrics and conversations",
	ActionPlan:            "use workforce planning",
	ActionReadInsights:    "read insights",
	ActionReadCustomers:   "read customers and their identities",
	ActionReply:           "reply to customers",
	ActionLinkIdentities:  "link identities and correct customers",
	ActionConfigure:       "configure channels",
	ActionUnderstand:      "analyse, translate and adapt texts",
	ActionReadAgents:      "read agents and queues",
	ActionManageAgents:    "describe agents",
	ActionSetPresence:     "set agents' presence",
	ActionWork:            "assign, transfer and resolve conversations",
	ActionReadKnowledge:   "read the knowledge base",
	ActionManageKnowledge: "write the knowledge base",
	ActionAnswer:          "ask for answers from the knowledge base",
	ActionAudit:           "read and verify the audit trail",
	ActionRetention:       "apply retention and report residency",
	ActionConsent:         "record customers' consent",
	ActionErase:           "erase and export customers' data, place legal holds",
}

// Roles lists every role.
func Roles() []string { return slices.Clone(roles) }

// ErrForbidden is what every refusal of Check wraps.
var ErrForbidden = errors.New("forbidden")

// Forbidden says why a principal may not do an action.
type Forbidden struct {
	Role   string
	Action Action
	Region string // set when the role may act but not in this region
}

func (e *Forbidden) Error() string {
	if e.Region != "" {
		return fmt.Sprintf("forbidden: this key may not access region %q", e.Region)
	}
	return fmt.Sprintf("forbidden: a key with role %q cannot %s (roles that can: %s)",
		e.Role, describe[e.Action], strings.Join(Policy[e.Action], ", "))
}

func (e *Forbidden) Unwrap() error { return ErrForbidden }

// Can reports whether p may do a in region; region "" asks about the action alone (a call
// that names no region, whose data is then limited to the regions p may access).
func (p Principal) Can(a Action, region string) bool { return p.Check(a, region) == nil }

// Check is Can as an error: nil, or a *Forbidden saying why not.
func (p Principal) Check(a Action, region string) error {
	if !slices.Contains(Policy[a], p.Role) {
		return &Forbidden{Role: p.Role, Action: a}
	}
	if region != "" && !p.CanAccess(region) {
		return &Forbidden{Role: p.Role, Action: a, Region: region}
	}
	return nil
}

// WritePolicyTable writes the role × action table as Markdown (README.md carries it).
func WritePolicyTable(w io.Writer) {
	fmt.Fprint(w, "| role |")
	for _, a := range Actions {
		fmt.Fprintf(w, " %s |", describe[a])
	}
	fmt.Fprint(w, "\n|---|")
	for range Actions {
		fmt.Fprint(w, "---|")
	}
	fmt.Fprintln(w)
	for _, r := range roles {
		fmt.Fprintf(w, "| `%s` |", r)
		for _, a := range Actions {
			mark := ""
			if slices.Contains(Policy[a], r) {
				mark = "✓"
			}
			fmt.Fprintf(w, " %s |", mark)
		}
		fmt.Fprintln(w)
	}
}
