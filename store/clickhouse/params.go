package clickhouse

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/meridian-cs/meridian/store/clickhouse/chparam"
)

// Server-side parameters; see package chparam.
type (
	Params = chparam.Params
	Query  = chparam.Query
	Binder = chparam.Binder
)

var paramNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// setParams is the statement that gives a session the parameters' values (chDB has no other
// way to pass them), or "" when there are none.
func setParams(p Params) (string, error) {
	if len(p) == 0 {
		return "", nil
	}
	sets := make([]string, 0, len(p))
	for _, name := range p.Names() {
		if !paramNameRE.MatchString(name) {
			return "", fmt.Errorf("clickhouse: parameter name %q is not a plain identifier", name)
		}
		sets = append(sets, "param_"+name+" = "+Quote(p[name]))
	}
	return "SET " + strings.Join(sets, ", "), nil
}
