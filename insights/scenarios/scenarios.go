// Package scenarios ships the ROI scenarios Meridian reproduces, embedded so that the
// `meridian roi` command can run them by name without a checkout.
package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Default is the scenario to show first: the write-up's worked example, which the model
// reproduces figure for figure.
const Default = "midsize-multinational"

// Names lists the embedded scenarios, without the .yaml suffix.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Read returns the YAML of the named embedded scenario.
func Read(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("scenarios: no scenario %q (have %s): %w", name, strings.Join(Names(), ", "), err)
	}
	return b, nil
}
