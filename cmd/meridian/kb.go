package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/examples/kb"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/provider"
)

func init() {
	register(command{
		name:    "kb",
		summary: "kb import DIR: send a folder of Markdown articles to a running server's knowledge base (upsertArticle)",
		run:     runKB,
	})
}

// runKB is `meridian kb import DIR`: it reads and checks every article of the folder first,
// then sends each to a running server's GraphQL upsertArticle (originals before their
// translations), so the server's validation, permissions and index apply, and a running
// server is never stopped or locked: its database is never opened from here.
func runKB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: meridian kb import DIR [--server URL] [--api-key KEY]")
	}
	dir, server, key, err := importArgs("kb import", "import: give one folder of .md files", "import", args[1:], stderr)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("import: %s is not a folder", dir)
	}
	// Every file is checked before the first is sent, so a mistake in the last file changes
	// nothing on the server.
	files, err := knowledge.ReadDir(os.DirFS(dir), ".")
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for i, f := range files {
		if err := upsertArticle(ctx, client, server, key, f.Article); err != nil {
			return fmt.Errorf("import: %s: %w (%d imported before it)", f.Path, err, i)
		}
	}
	fmt.Fprintf(stdout, "%d articles imported\n", len(files))
	return nil
}

const upsertArticleMutation = `mutation($in: ArticleInput!) { upsertArticle(input: $in) { id } }`

func upsertArticle(ctx context.Context, client *http.Client, server, key string, a knowledge.Article) error {
	in := map[string]any{"id": a.ID, "language": a.Language, "title": a.Title, "body": a.Body, "tags": nonNilStrings(a.Tags)}
	if a.Product != "" {
		in["product"] = a.Product
	}
	if a.TranslationOf != "" {
		in["translationOf"] = a.TranslationOf
	}
	return mutate(ctx, client, server, key, upsertArticleMutation, in)
}

// importArgs reads an import command's arguments (after "import"): its one file or folder,
// and --server (the running server's base URL, no trailing slash) and --api-key anywhere
// among them. one is the error for another count of files; prefix starts the missing-key
// error.
func importArgs(name, one, prefix string, args []string, stderr io.Writer) (file, server, key string, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	srv := fs.String("server", "http://"+envOr("MERIDIAN_ADDR", "127.0.0.1:8080"), "the running server's base URL (MERIDIAN_ADDR)")
	k := fs.String("api-key", os.Getenv("MERIDIAN_API_KEY"), "an admin or supervisor key (MERIDIAN_API_KEY)")
	var files []string
	for rest := args; len(rest) > 0; rest = fs.Args()[1:] {
		if err := fs.Parse(rest); err != nil {
			return "", "", "", errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
	}
	if len(files) != 1 {
		return "", "", "", errors.New(one)
	}
	if *k == "" {
		return "", "", "", errors.New(prefix + ": give an API key (--api-key or MERIDIAN_API_KEY)")
	}
	return files[0], strings.TrimRight(*srv, "/"), *k, nil
}

// mutate runs a GraphQL mutation with its input as $in on a running server, as the import
// commands do: the server's validation, permissions and audit apply. The key's rate limit
// (429 with Retry-After) is waited out, so a big file goes through; a refusal is the
// server's first error message.
func mutate(ctx context.Context, client *http.Client, server, key, mutation string, in map[string]any) error {
	body, _ := json.Marshal(map[string]any{"query": mutation, "variables": map[string]any{"in": in}})
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/graphql", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("the server at %s: %w", server, err)
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 20 {
			wait := provider.RetryAfter(resp.Header, time.Now())
			if wait <= 0 {
				wait = time.Second
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(min(wait, 10*time.Second)):
			}
			continue
		}
		var out struct {
			Errors []struct{ Message string } `json:"errors"`
			Error  string                     `json:"error"`
		}
		_ = json.Unmarshal(raw, &out)
		switch {
		case len(out.Errors) > 0:
			return errors.New(out.Errors[0].Message)
		case out.Error != "":
			return fmt.Errorf("%s (HTTP %d)", out.Error, resp.StatusCode)
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
}

// demoKnowledge loads the demo's knowledge base (examples/kb) into the tenant's, through
// the same Base the API answers from; articles already there are replaced by the shipped
// version.
func (p *platform) demoKnowledge(ctx context.Context, tenant string) error {
	files, err := knowledge.ReadDir(kb.Files, ".")
	if err != nil {
		return err
	}
	for _, f := range files {
		if _, err := p.knowledge.Upsert(ctx, tenant, f.Article); err != nil {
			return fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	p.log.Info("demo knowledge base loaded", "articles", len(files))
	return nil
}
