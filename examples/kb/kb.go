// Package kb is the demo tenant's knowledge base: Markdown articles with YAML front matter
// (knowledge.ParseMarkdown) on shipping, returns, warranty, payment methods per market and
// product care, in the languages of the demo's markets, translations linked to their English
// original by translation_of. `meridian demo` loads it at start; `meridian kb import
// examples/kb` sends it to any running server.
package kb

import "embed"

// Files holds the articles, one .md file each.
//
//go:embed *.md
var Files embed.FS
