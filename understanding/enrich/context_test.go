package enrich

import (
	"fmt"
	"testing"
	"time"
)

func TestMemoryCountsRepeatContactsWithinADay(t *testing.T) {
	m := newMemory(10, 10)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		conv string
		at   time.Duration
		want int
	}{
		{"c1", 0, 1},
		{"c1", time.Minute, 1}, // more messages of one conversation are one contact
		{"c2", time.Hour, 2},
		{"c3", 2 * time.Hour, 3},
		{"c4", 26 * time.Hour, 2}, // c1 and c2 are over a day old by now; c3 is not
	} {
		if got := m.contactsOf("acme/cus", c.conv, t0.Add(c.at)); got != c.want {
			t.Errorf("message %d (%s): %d contacts, want %d", i, c.conv, got, c.want)
		}
	}
	if got := m.contactsOf("acme/other", "c9", t0); got != 1 {
		t.Errorf("another customer: %d contacts", got)
	}
}

func TestMemoryKeepsTheLastLanguagesAndForgetsTheOldest(t *testing.T) {
	m := newMemory(4, 4)
	for _, l := range []string{"pt-BR", "und", "pt-BR", "es", "pt-BR", "pt"} {
		m.detected("c1", l)
	}
	if got := fmt.Sprint(m.previous("c1")); got != "[es pt-BR pt]" {
		t.Errorf("previous languages %s, want the last three detected", got)
	}
	for i := range 10 {
		m.detected(fmt.Sprintf("other-%d", i), "en")
	}
	if len(m.languages) > 5 || len(m.previous("c1")) != 0 {
		t.Errorf("%d conversations remembered (max 4 plus a quarter), c1 still %v", len(m.languages), m.previous("c1"))
	}
}
