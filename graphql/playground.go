package graphql

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/meridian-cs/meridian/httpapi"
)

// The playground's files: GraphiQL and React, built from npm into playground/assets by
// scripts/setup.sh (graphql/playground/package.json), and the script that starts GraphiQL.
// They are served from the binary, so the playground works without internet.
//
//go:embed playground/assets playground/src/playground.js
var playgroundFiles embed.FS

// PlaygroundAssetsPath is where the playground page loads its files from.
const PlaygroundAssetsPath = "/playground/assets/"

// playgroundCSP lets the page load only this server's files and talk to this server. Styles
// may be inline: GraphiQL sets them at run time; its fonts and icons are data: URLs.
const playgroundCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"font-src 'self' data:; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'"

var playgroundPage = template.Must(template.New("playground").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Meridian GraphQL</title>
<link rel="stylesheet" href="{{.Assets}}graphiql.min.css">
<link rel="stylesheet" href="{{.Assets}}playground.css">
</head>
<body data-endpoint="{{.Endpoint}}">
<div id="graphiql">{{if not .Built}}<p class="not-built">The playground's files are not in this binary: run scripts/setup.sh (it builds them with npm) and build meridian again.</p>{{end}}</div>
{{if .Built}}<script src="{{.Assets}}react.production.min.js"></script>
<script src="{{.Assets}}react-dom.production.min.js"></script>
<script src="{{.Assets}}graphiql.min.js"></script>
<script src="{{.Assets}}playground.js"></script>{{end}}
</body>
</html>
`))

const playgroundStyle = "body { margin: 0; font-family: sans-serif; } #graphiql { height: 100vh; } .not-built { padding: 2em; }\n"

// playgroundBuilt reports whether the npm build's files were embedded (a checkout that has
// not run scripts/setup.sh has only the placeholder).
func playgroundBuilt() bool {
	_, err := fs.Stat(playgroundFiles, "playground/assets/graphiql.min.js")
	return err == nil
}

// NewPlaygroundHandler serves the GraphiQL playground page, which sends its queries to
// endpoint. The page holds no data; the queries it sends need a key like any other. Its
// files come from this server (PlaygroundAssets), and its Content-Security-Policy allows
// nothing else; it may not be framed.
func NewPlaygroundHandler(endpoint string) http.Handler {
	var b strings.Builder
	if err := playgroundPage.Execute(&b, map[string]any{"Assets": PlaygroundAssetsPath, "Endpoint": endpoint, "Built": playgroundBuilt()}); err != nil {
		panic(err) // a fixed template and strings: cannot fail
	}
	page := b.String()
	return httpapi.HTMLPage(playgroundCSP, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		_, _ = w.Write([]byte(page))
	}))
}

// PlaygroundAssets serves the playground's files under PlaygroundAssetsPath.
func PlaygroundAssets() http.Handler {
	files := http.NewServeMux()
	assets, _ := fs.Sub(playgroundFiles, "playground/assets")
	files.Handle("/", http.FileServerFS(assets))
	files.HandleFunc("/playground.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, playgroundFiles, "playground/src/playground.js")
	})
	files.HandleFunc("/playground.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(playgroundStyle))
	})
	return http.StripPrefix(strings.TrimSuffix(PlaygroundAssetsPath, "/"), files)
}
