// Package forecasting predicts contact demand per queue and interval so that workforce
// planners can turn it into staffing (see the staffing subpackage). It works on in-memory,
// regularly spaced series and knows nothing about storage: adapters (ClickHouse, GraphQL, the
// CLI's CSV files) build Series values and consume Prediction values.
//
// Several models compete per series (seasonal naive, a robust multi-week median, a
// double-seasonal Holt-Winters, a calendar regression); calendar effects (public holidays,
// product releases, campaigns, outages) are passed in as Event data and learned from the
// history as a multiplicative layer that every model shares. The model with the lowest error in
// a rolling-origin backtest wins, and its backtest residuals give the prediction intervals.
package forecasting
