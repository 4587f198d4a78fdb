package chschema

import (
	"os"
	"strings"
	"testing"
)

// Every column the writer sends is in the table's DDL, so the description cannot drift from it.
func TestEveryColumnIsInTheDDL(t *testing.T) {
	ddl, err := os.ReadFile("../../../schemas/clickhouse/0001_events.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Events {
		if !strings.Contains(string(ddl), c.Name+" ") {
			t.Errorf("column %s is not in 0001_events.sql", c.Name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Col accepted a column the table does not have")
		}
	}()
	Col("no_such_column")
}
