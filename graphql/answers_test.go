package graphql_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/answers"
	"github.com/meridian-cs/meridian/auth"
	"github.com/meridian-cs/meridian/graphql"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/store/postgres"
)

const answerQuery = `query($q: String!, $l: String, $c: ID) { answer(question: $q, language: $l, conversationId: $c) {
  articleId text confidence language handover reason source { articleId language title method translatedBy model score } } }`

type answerResp struct {
	ArticleID  *string
	Text       string
	Confidence float64
	Language   string
	Handover   bool
	Reason     string
	Source     *struct {
		ArticleID, Language, Title, Method string
		TranslatedBy, Model                *string
		Score                              float64
	}
}

// Agents ask for answers; the answer names its article; bad arguments are errors naming the
// argument; roles without the permission are refused.
func TestAnswerQuery(t *testing.T) {
	kb := knowledge.New(&postgres.Articles{DB: planPG(t)})
	svc, err := answers.New(answers.Config{Knowledge: kb})
	if err != nil {
		t.Fatal(err)
	}
	h := graphql.NewHandler(graphql.Config{Engine: engine, Knowledge: kb, Answers: svc})
	admin, agent := principal(auth.RoleAdmin), principal(auth.RoleAgent)
	do(t, h, admin, upsertArticle, map[string]any{"in": map[string]any{"id": "returns-de", "language": "de", "title": "Rücksendungen",
		"body": "# Rücksendungen\n\nSie können jedes Produkt innerhalb von 30 Tagen zurückschicken.\n\n## Erstattung\n\nDie Erstattung erfolgt innerhalb von 5 Werktagen."}}, &struct{ UpsertArticle articleResp }{})
	do(t, h, admin, upsertArticle, map[string]any{"in": map[string]any{"id": "shipping-de", "language": "de", "title": "Versand",
		"body": "Wir versenden innerhalb von 2 Werktagen mit DHL."}}, &struct{ UpsertArticle articleResp }{})

	var out struct{ Answer answerResp }
	do(t, h, agent, answerQuery, map[string]any{"q": "Wann erfolgt die Erstattung?", "l": "de-AT", "c": "conv-1"}, &out)
	a := out.Answer
	if deref(a.ArticleID) != "returns-de" || a.Language != "de" || a.Handover || !strings.Contains(a.Text, "5 Werktagen") ||
		a.Source == nil || a.Source.Method != "passage" || a.Source.Title != "Rücksendungen" || a.Source.TranslatedBy != nil || a.Confidence <= 0 || a.Confidence > 1 {
		t.Fatalf("%+v", a)
	}
	do(t, h, agent, answerQuery, map[string]any{"q": "Verkaufen Sie Gutscheine?", "l": "de"}, &out)
	if !out.Answer.Handover || out.Answer.Reason == "" {
		t.Fatalf("an unanswerable question: %+v", out.Answer)
	}

	for _, c := range []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"q": " "}, "answer.question: empty"},
		{map[string]any{"q": strings.Repeat("a", answers.MaxQuestionBytes+1), "l": "de"}, "answer.question: 16385 bytes, over the limit of 16384"},
		{map[string]any{"q": "Versand?", "l": "klingon!"}, "answer.language: "},
		{map[string]any{"q": "Versand?"}, "answer.language: required"},
		{map[string]any{"q": "Versand?", "l": "de", "c": strings.Repeat("c", 129)}, "answer.conversationId: "},
	} {
		if code, body := post(t, h, agent, answerQuery, c.vars); !strings.Contains(body, c.want) || code != http.StatusOK && code != http.StatusBadRequest {
			t.Errorf("%v: %d %s, want %q", c.vars["l"], code, body, c.want)
		}
	}
	for _, role := range []string{auth.RoleAnalyst, auth.RoleIngest, auth.RolePlanner} {
		if _, body := post(t, h, principal(role), answerQuery, map[string]any{"q": "Versand?", "l": "de"}); !strings.Contains(body, "cannot ask for answers") {
			t.Errorf("%s: %s", role, body)
		}
	}
	// A server without a knowledge base says so.
	off := graphql.NewHandler(graphql.Config{Engine: engine})
	if _, body := post(t, off, agent, answerQuery, map[string]any{"q": "Versand?", "l": "de"}); !strings.Contains(body, "answers are not configured") {
		t.Errorf("not configured: %s", body)
	}
}
