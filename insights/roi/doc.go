// Package roi is a transparent model of what a cross-border service operation is worth:
// value by dimension (retention, service efficiency, market insight, price premium, avoided
// fines), costs (licence, integration, training, cloud, content, optimisation, change
// management), ROI, NPV, payback month and a tornado-style sensitivity table.
//
// It exists so that an executive's "3-year ROI 487%" can be traced to named inputs: every
// figure in a Result comes with the Step that computed it, inputs are addressed by their
// YAML path, and bad inputs are errors that name that path. Scenarios come from YAML
// (Parse, Load); measured figures from ClickHouse come in through Actuals, which override
// scenario assumptions and are reported as Overrides. The package does no I/O beyond
// reading a scenario file, and nothing in a Result is ever NaN or Inf.
package roi
