//go:build tools

package graphql

// The gqlgen command is a build-time dependency: this import keeps it, and the packages only
// its code generator uses, in go.mod and go.sum through `go mod tidy`, so
// `go run github.com/99designs/gqlgen generate --config graphql/gqlgen.yml` keeps working.
import _ "github.com/99designs/gqlgen"
