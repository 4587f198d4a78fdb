package models

import (
	_ "embed"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed residency.default.yaml
var defaultPolicy []byte

// Region is a residency region: every store and topic Meridian writes exists once per region.
type Region string

var regionName = regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`)

// ResidencyPolicy maps a customer's country to the region whose stores may hold their data.
type ResidencyPolicy struct {
	Regions   []Region            `yaml:"regions"`
	Fallback  Region              `yaml:"fallback"`
	Countries map[string][]string `yaml:"countries"` // region -> ISO country codes

	byCountry map[string]Region
}

// DefaultPolicy is the policy shipped in models/residency.default.yaml.
func DefaultPolicy() *ResidencyPolicy {
	p, err := ParsePolicy(defaultPolicy)
	if err != nil {
		panic("models: shipped residency policy is invalid: " + err.Error())
	}
	return p
}

// LoadPolicy reads a policy file; an empty path means the shipped default.
func LoadPolicy(path string) (*ResidencyPolicy, error) {
	if path == "" {
		return DefaultPolicy(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("residency policy: %w", err)
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("residency policy %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy parses and checks a policy: region names are short lowercase identifiers (they
// become topic and database names), each country belongs to one region, the fallback exists.
func ParsePolicy(b []byte) (*ResidencyPolicy, error) {
	var p ResidencyPolicy
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if len(p.Regions) == 0 {
		return nil, fmt.Errorf("regions: at least one region is required")
	}
	known := map[Region]bool{}
	for _, r := range p.Regions {
		if !regionName.MatchString(string(r)) {
			return nil, fmt.Errorf("regions: %q is not a valid region name (lowercase letters and digits, starting with a letter)", r)
		}
		if known[r] {
			return nil, fmt.Errorf("regions: %q listed twice", r)
		}
		known[r] = true
	}
	if !known[p.Fallback] {
		return nil, fmt.Errorf("fallback: %q is not one of the regions", p.Fallback)
	}
	p.byCountry = map[string]Region{}
	for r, cs := range p.Countries {
		if !known[Region(r)] {
			return nil, fmt.Errorf("countries.%s: not one of the regions", r)
		}
		for _, c := range cs {
			c = strings.ToUpper(c)
			if cc, ok := CanonicalCountry(c); !ok || cc != c {
				return nil, fmt.Errorf("countries.%s: %q is not an ISO 3166-1 alpha-2 code", r, c)
			}
			if prev, dup := p.byCountry[c]; dup {
				return nil, fmt.Errorf("countries: %s is in both %s and %s", c, prev, r)
			}
			p.byCountry[c] = Region(r)
		}
	}
	return &p, nil
}

// RegionFor returns the region for an ISO country code, or the fallback.
func (p *ResidencyPolicy) RegionFor(country string) Region {
	if r, ok := p.byCountry[strings.ToUpper(country)]; ok {
		return r
	}
	return p.Fallback
}

// Has reports whether r is one of the policy's regions.
func (p *ResidencyPolicy) Has(r Region) bool {
	for _, x := range p.Regions {
		if x == r {
			return true
		}
	}
	return false
}

// Countries of a region, sorted.
func (p *ResidencyPolicy) CountriesOf(r Region) []string {
	var out []string
	for c, x := range p.byCountry {
		if x == r {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}
