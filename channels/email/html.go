package email

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// stripHTMLQuotes removes the quoted message of an HTML reply (Gmail's gmail_quote, Apple
// Mail's blockquote type=cite, Outlook's divRplyFwdMsg and everything after it, Yahoo's
// yahoo_quoted) and takes Gmail's gmail_signature out apart. A document that does not parse
// comes back as it was.
func stripHTMLQuotes(doc string) (rest, signature string, quoted bool) {
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return doc, "", false
	}
	var sig bytes.Buffer
	var drop []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case hasClass(n, "gmail_signature"):
				_ = html.Render(&sig, n)
				drop = append(drop, n)
				return
			case hasClass(n, "gmail_quote"), hasClass(n, "gmail_quote_container"), hasClass(n, "yahoo_quoted"),
				n.Data == "blockquote" && attr(n, "type") == "cite":
				drop = append(drop, n)
				return
			case attr(n, "id") == "divRplyFwdMsg" || attr(n, "id") == "appendonsend":
				// Outlook: the quoted message is this node and every sibling after it.
				for s := n; s != nil; s = s.NextSibling {
					drop = append(drop, s)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	if len(drop) == 0 && sig.Len() == 0 {
		return doc, "", false
	}
	for _, n := range drop {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
	quoted = len(drop) > 0
	var out bytes.Buffer
	if err := html.Render(&out, root); err != nil {
		return doc, "", false
	}
	return out.String(), sig.String(), quoted
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}
