package refine

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseContentDropsWhatIsNotListedAndKeepsTheRest(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          string // the Refinement as JSON
	}{
		{"an intent outside the list is dropped", `{"intent":"complain_loudly","urgency":"HIGH"}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"HIGH","Reasons":null,"Model":""}`},
		{"labels match ignoring case and separators", `{"intent":"Order Status","issue_type":"After-Sales","urgency":"critical"}`,
			`{"Intent":"order_status","IssueType":"after_sales","Sentiment":null,"Emotions":null,"Urgency":"CRITICAL","Reasons":null,"Model":""}`},
		{"nothing looser: inquiry is not enquiry, URGENT is not a level", `{"issue_type":"inquiry","urgency":"URGENT","intent":"refunds"}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"sentiment out of range is dropped, not clamped", `{"sentiment":1.5}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"sentiment as a string is dropped", `{"sentiment":"-0.5"}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"sentiment at the bounds is kept", `{"sentiment":-1}`,
			`{"Intent":"","IssueType":"","Sentiment":-1,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"unknown emotions and out-of-range scores are dropped", `{"emotions":{"joy":0.9,"anger":1.2,"Anxiety":0.4,"frustration":"high","satisfaction":-0.1}}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":{"anxiety":0.4},"Urgency":"","Reasons":null,"Model":""}`},
		{"an emotion named twice is dropped", `{"emotions":{"anger":0.2,"Anger":0.9,"anxiety":0}}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":{"anxiety":0},"Urgency":"","Reasons":null,"Model":""}`},
		{"reasons without an accepted urgency are dropped", `{"urgency":"SOON","reasons":["deadline"]}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"reasons are codes; sentences, other scripts and long strings are dropped", `{"urgency":"HIGH","reasons":["Safety-Risk","the customer says her flat smells of smoke","火事","deadline","deadline",7,"a_very_long_reason_code_that_goes_on_and_on_and_on","x:y","more"]}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"HIGH","Reasons":["llm:safety_risk","llm:deadline","llm:x_y"],"Model":""}`},
		{"null and missing fields keep the built-in values", `{"intent":null,"issue_type":null,"sentiment":null,"emotions":null,"urgency":null}`,
			`{"Intent":"","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"unknown keys are ignored", `{"confidence":0.9,"summary":"refund wanted","intent":"refund"}`,
			`{"Intent":"refund","IssueType":"","Sentiment":null,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
		{"a bare fence and surrounding space", "\n```\n{\"sentiment\":0.25}\n```\n",
			`{"Intent":"","IssueType":"","Sentiment":0.25,"Emotions":null,"Urgency":"","Reasons":null,"Model":""}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseContent(tc.content, routine)
			if err != nil {
				t.Fatal(err)
			}
			g, _ := json.Marshal(got)
			if string(g) != tc.want {
				t.Fatalf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestParseContentRefusesWhatIsNotOneObject(t *testing.T) {
	for _, c := range []string{"", "null", "[]", "{", "```json\n{}", "Here you go: {}", "{} {}", "```yaml\n{}\n```"} {
		if _, err := parseContent(c, routine); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%q: %v", c, err)
		}
	}
}
