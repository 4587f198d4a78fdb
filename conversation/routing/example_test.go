package routing_test

import (
	"fmt"
	"time"

	"github.com/meridian-cs/meridian/conversation/routing"
)

func Example() {
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC) // Monday 10:30 in Berlin
	agents := []*routing.Agent{
		{ID: "lena", Region: "eu", Languages: map[string]int{"de": 5, "en": 4}, Skills: []string{"refund"},
			Capacity: map[string]int{"messaging": 3}, Timezone: "Europe/Berlin", Online: true,
			Shifts: []routing.Shift{{Weekday: 1, Start: "08:00", End: "16:00"}}},
		{ID: "marc", Region: "eu", Languages: map[string]int{"fr": 5, "de-CH": 3}, Skills: []string{"billing"},
			Capacity: map[string]int{"messaging": 3}, Timezone: "Europe/Paris", Online: true},
	}
	r := routing.NewRouter(routing.Config{})
	c := routing.Conversation{ID: "c1", Region: "eu", Language: "de-AT", Intent: "refund", Tier: "vip",
		Priority: routing.PriorityOf("HIGH", "vip"), WaitingSince: at.Add(-20 * time.Second)}
	d := r.RouteRoster(c, routing.NewRoster(agents), at)
	fmt.Println(d.AgentID, d.Queue, d.Reason, c.Priority)
	for _, cand := range d.Candidates {
		fmt.Printf("%s %.2f %v\n", cand.AgentID, cand.Score, cand.Reasons)
	}

	// Lena is busy; the conversation waits in the queue until someone frees up.
	agents[0].Load = map[string]int{"messaging": 3}
	q := routing.NewQueue()
	q.Push(c)
	if _, _, ok := r.Next(q, agents[1], at); !ok {
		fmt.Println("marc lacks the skill for now")
	}
	got, d, ok := r.Next(q, agents[1], at.Add(2*time.Minute))
	fmt.Println(got.ID, d.AgentID, ok, d.Relaxed, q.Len())
	// Output:
	// lena eu/de assigned URGENT
	// lena 4.50 [language:de=5 skill:refund load:0/3 fairness]
	// marc lacks the skill for now
	// c1 marc true true 0
}
