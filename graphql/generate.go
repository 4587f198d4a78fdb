package graphql

//go:generate go run -C .. github.com/99designs/gqlgen generate --config graphql/gqlgen.yml
