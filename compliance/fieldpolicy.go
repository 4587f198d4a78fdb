package compliance

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/meridian-cs/meridian/auth"
)

//go:embed fields.default.yaml
var defaultFields []byte

// MaxMinCustomers bounds k in a policy file (it becomes a query parameter).
const MaxMinCustomers = 1_000_000

// LoadPolicy reads a field policy file; an empty path means the shipped default
// (DefaultPolicy). Its errors are one line naming the file, the line and the entry.
func LoadPolicy(path string) (Policy, error) {
	if path == "" {
		return DefaultPolicy(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("field policy: %w", err)
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return Policy{}, fmt.Errorf("field policy %s: %w", path, err)
	}
	return p, nil
}

var regionName = regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`)

// ParsePolicy reads a field policy from YAML:
//
//	roles:                       # role → field → outcome
//	  analyst: {text: masked, customer_id: clear, phrase: clear, example: {outcome: masked, k: 10}}
//	regions:                     # region → role → field → outcome, for that region's customers
//	  eu:
//	    agent: {identity: masked}
//
// Roles are auth.Roles(); fields are Fields; an outcome is clear, masked or hidden (phrase
// and customer_id, with nothing to mask, are clear or hidden); k, for phrase and example
// only, is at least 2. Unknown keys, roles, fields and outcomes, a key given twice and a
// malformed region name are errors; whether a region exists is CheckRegions'.
func ParsePolicy(b []byte) (Policy, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		// yaml.v3 may list several problems on several lines; the first says enough.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return Policy{}, errors.New(strings.TrimSuffix(msg, ":"))
	}
	return parsePolicy(&doc)
}

// posError is an error at a line of the file, at an entry (a dotted path).
func posError(n *yaml.Node, entry, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if entry != "" {
		msg = entry + ": " + msg
	}
	return fmt.Errorf("line %d: %s", n.Line, msg)
}

func parsePolicy(doc *yaml.Node) (Policy, error) {
	if len(doc.Content) == 0 {
		return Policy{}, errors.New("empty: a field policy lists roles")
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return Policy{}, posError(root, "", "a field policy is a mapping with roles and regions")
	}
	p := Policy{Rules: map[string]map[Field]Access{}, Regions: map[string]map[string]map[Field]Access{}, regionLines: map[string]int{}}
	sawRoles := false
	err := eachPair(root, "", func(key string, k, v *yaml.Node) error {
		switch key {
		case "roles":
			sawRoles = true
			rules, err := parseRoles(v, "roles")
			p.Rules = rules
			return err
		case "regions":
			return eachPair(v, "regions", func(region string, k, v *yaml.Node) error {
				if !regionName.MatchString(region) {
					return posError(k, "regions", "%q is not a region name (lowercase letters and digits, starting with a letter)", region)
				}
				rules, err := parseRoles(v, "regions."+region)
				p.Regions[region], p.regionLines[region] = rules, k.Line
				return err
			})
		}
		return posError(k, "", "unknown key %q (roles or regions)", key)
	})
	if err != nil {
		return Policy{}, err
	}
	if !sawRoles {
		return Policy{}, posError(root, "", "roles: missing (a field policy lists each role's fields)")
	}
	return p, nil
}

// parseRoles reads role → field → outcome at entry.
func parseRoles(n *yaml.Node, entry string) (map[string]map[Field]Access, error) {
	out := map[string]map[Field]Access{}
	err := eachPair(n, entry, func(role string, k, v *yaml.Node) error {
		if !slices.Contains(auth.Roles(), role) {
			return posError(k, entry, "unknown role %q (%s)", role, strings.Join(auth.Roles(), ", "))
		}
		fields, err := parseFields(v, entry+"."+role)
		out[role] = fields
		return err
	})
	return out, err
}

// parseFields reads field → outcome (or {outcome, k}) at entry.
func parseFields(n *yaml.Node, entry string) (map[Field]Access, error) {
	out := map[Field]Access{}
	err := eachPair(n, entry, func(name string, k, v *yaml.Node) error {
		f := Field(name)
		if !slices.Contains(Fields, f) {
			names := make([]string, len(Fields))
			for i, f := range Fields {
				names[i] = string(f)
			}
			return posError(k, entry, "unknown field %q (%s)", name, strings.Join(names, ", "))
		}
		at := entry + "." + name
		var a Access
		var outcome *yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			outcome = v
		case yaml.MappingNode:
			err := eachPair(v, at, func(key string, k, v *yaml.Node) error {
				if v.Kind != yaml.ScalarNode {
					return posError(v, at+"."+key, "want a single value")
				}
				switch key {
				case "outcome":
					outcome = v
					return nil
				case "k":
					if !aggregated(f) {
						return posError(k, at, "k applies to phrase and example only (fields drawn from many customers)")
					}
					n, err := strconv.Atoi(v.Value)
					if err != nil || n < 2 || n > MaxMinCustomers {
						return posError(v, at+".k", "%q: want a whole number from 2 (one customer alone is no crowd) to %d", v.Value, MaxMinCustomers)
					}
					a.MinCustomers = n
					return nil
				}
				return posError(k, at, "unknown key %q (outcome or k)", key)
			})
			if err != nil {
				return err
			}
			if outcome == nil {
				return posError(v, at, "outcome missing (clear, masked or hidden)")
			}
		default:
			return posError(v, at, "want an outcome (clear, masked or hidden) or {outcome: ..., k: N}")
		}
		switch a.Outcome = outcome.Value; a.Outcome {
		case OutcomeClear, OutcomeHidden:
		case OutcomeMasked:
			switch f {
			case FieldPhrase:
				return posError(outcome, at, "masked: personal data is always cut out of phrases, want clear or hidden")
			case FieldCustomerID:
				return posError(outcome, at, "masked: a customer id is a pseudonym with nothing to mask, want clear or hidden")
			}
		default:
			return posError(outcome, at, "%q is not an outcome (clear, masked or hidden)", a.Outcome)
		}
		out[f] = a
		return nil
	})
	return out, err
}

// eachPair calls fn for each key of mapping n (a null value is an empty mapping), refusing
// non-string and repeated keys.
func eachPair(n *yaml.Node, entry string, fn func(key string, k, v *yaml.Node) error) error {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		what := entry
		if what == "" {
			what = "a field policy"
		}
		return posError(n, "", "%s: want a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return posError(k, entry, "a key must be a name")
		}
		if seen[k.Value] {
			return posError(k, entry, "%q given twice", k.Value)
		}
		seen[k.Value] = true
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

// deref follows YAML aliases (&anchor / *alias); a cycle ends at a node that is no alias.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}
