package clickhouse

import (
	"context"
	"testing"
)

// Values with every character that matters to SQL or to the text format come back from a
// parameter as they went in, alone and in an array, and Inline renders the same values.
func TestParametersCarryEveryCharacter(t *testing.T) {
	ctx := context.Background()
	db, err := OpenChDB(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tricky := "tab\there\nnew line \\ back'slash \r\x00 null, ' OR 1=1 -- {x:String} ราคา 😀"
	var b Binder
	sql := "SELECT " + b.String(tricky) + " AS s, " + b.Strings([]string{tricky, "b"}) + " AS a, " + b.Int64(-42) + " AS n"
	q := b.Query(sql)
	for name, run := range map[string]func() (*Result, error){
		"params": func() (*Result, error) { return db.QueryParams(ctx, q.SQL, q.Params) },
		"inline": func() (*Result, error) { return db.Query(ctx, q.Inline()) },
	} {
		res, err := run()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		row := res.Rows[0]
		if got := String(row[0]); got != tricky {
			t.Errorf("%s: string = %q, want %q", name, got, tricky)
		}
		if arr, ok := row[1].([]any); !ok || len(arr) != 2 || String(arr[0]) != tricky {
			t.Errorf("%s: array = %#v", name, row[1])
		}
		if Float(row[2]) != -42 {
			t.Errorf("%s: int = %v", name, row[2])
		}
	}
	if w := db.Writes("x"); w != 0 {
		t.Errorf("setting parameters counted %d writes", w)
	}
}
