package routing

import (
	"fmt"
	"strings"
)

// Priority orders waiting conversations: a queue serves Urgent before High before Normal
// before Low, and waiting time only among equals.
type Priority int

// Priorities, from lowest to highest.
const (
	Low Priority = iota
	Normal
	High
	Urgent
)

// String returns "LOW", "NORMAL", "HIGH" or "URGENT" (the GraphQL enum values).
func (p Priority) String() string {
	switch p {
	case Low:
		return "LOW"
	case Normal:
		return "NORMAL"
	case High:
		return "HIGH"
	case Urgent:
		return "URGENT"
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}

// ParsePriority reads "LOW", "NORMAL", "HIGH" or "URGENT", in any case and with
// surrounding spaces.
func ParsePriority(s string) (Priority, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "LOW":
		return Low, nil
	case "NORMAL":
		return Normal, nil
	case "HIGH":
		return High, nil
	case "URGENT":
		return Urgent, nil
	}
	return Low, fmt.Errorf("routing: unknown priority %q (want LOW, NORMAL, HIGH or URGENT)", s)
}

// PriorityOf derives a conversation's priority from the urgency level of package
// understanding/urgency ("NONE", "NORMAL", "HIGH", "CRITICAL") and the customer's tier
// ("vip", "new", "returning", or "" when unknown). Both are read case-insensitively:
//
//	urgency   tier ""/new/returning   tier vip
//	NONE      Low / Normal            Normal
//	NORMAL    Normal                  High
//	HIGH      High                    Urgent
//	CRITICAL  Urgent                  Urgent
//
// A message with no urgency is Low only when the customer is not known at all; a known
// customer's conversation is Normal. An unknown urgency string counts as NORMAL, and an
// unknown tier as a known non-VIP one.
func PriorityOf(urgency, tier string) Priority {
	vip := strings.EqualFold(strings.TrimSpace(tier), "vip")
	switch strings.ToUpper(strings.TrimSpace(urgency)) {
	case "CRITICAL":
		return Urgent
	case "HIGH":
		if vip {
			return Urgent
		}
		return High
	case "NONE":
		if vip {
			return Normal
		}
		if strings.TrimSpace(tier) == "" {
			return Low
		}
		return Normal
	}
	if vip {
		return High
	}
	return Normal
}

// HighValue is the relative customer value (Conversation.CustomerValue, 1 for an average
// customer) from which a customer's conversations are prioritised as a VIP's.
const HighValue = 2.0

// PriorityOfValue is PriorityOf for a customer of relative value value (by tier, from the
// ROI model's value of a customer; 0 when unknown): a customer worth HighValue or more
// counts as a VIP, so a valuable tier that is not called "vip" waits less too.
func PriorityOfValue(urgency, tier string, value float64) Priority {
	if value >= HighValue {
		tier = "vip"
	}
	return PriorityOf(urgency, tier)
}
