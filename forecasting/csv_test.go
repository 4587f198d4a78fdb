package forecasting

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReadCSVGroupsInterleavedSeries(t *testing.T) {
	in := "series,timestamp,value\n" +
		"a,2024-01-01T00:00:00Z,1\nb,2024-01-01T00:00:00Z,10\n" +
		"b,2024-01-01T00:30:00Z,11\na,2024-01-01T00:30:00Z,2\n" +
		"a,2024-01-01T01:00:00Z,3\nb,2024-01-01T01:00:00Z,12\n"
	got, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "a" || got[1].Key != "b" {
		t.Fatalf("got %+v", got)
	}
	if got[0].Step != 30*time.Minute || len(got[1].Values) != 3 || got[1].Values[2] != 12 {
		t.Errorf("got %+v", got)
	}
}

func TestReadCSVRejects(t *testing.T) {
	const h = "series,timestamp,value\n"
	cases := []struct{ name, in, want string }{
		{"empty input", "", "empty input"},
		{"header only", h, "no data rows"},
		{"a missing column", "series,timestamp\na,2024-01-01T00:00:00Z\n", `lacks column "value"`},
		{"a short row", h + "a,2024-01-01T00:00:00Z\n", "row 2"},
		{"a negative value", h + "a,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,-1\n", "row 3: value -1 is negative"},
		{"NaN", h + "a,2024-01-01T00:00:00Z,NaN\n", "row 2"},
		{"a duplicate", h + "a,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,1\na,2024-01-01T01:00:00Z,2\n", "rows 3 and 4 duplicate"},
		{"a gap", h + "a,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,1\na,2024-01-01T02:00:00Z,1\na,2024-01-01T04:00:00Z,1\n", "gap of 1 missing intervals between row 4"},
		{"an irregular step", h + "a,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,1\na,2024-01-01T02:00:00Z,1\na,2024-01-01T02:20:00Z,1\n", "irregular timestamp"},
		{"a single row", h + "a,2024-01-01T00:00:00Z,1\n", "cannot infer the interval"},
		{"a step not dividing a day", h + "a,2024-01-01T00:00:00Z,1\na,2024-01-01T07:00:00Z,1\n", "does not divide a day"},
		{"an empty series name", h + ",2024-01-01T00:00:00Z,1\n", "empty series name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v, want ErrInvalid containing %q", err, c.want)
			}
		})
	}
}

// FuzzReadCSV checks that the parser never panics, and that whatever it accepts is a set of
// valid, regular series that survive a round trip through the forecast format.
func FuzzReadCSV(f *testing.F) {
	f.Add("series,timestamp,value\na,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,2\n")
	f.Add("series,timestamp,value\na,2024-01-01T00:00:00Z,1\nb,2024-01-01T00:00:00Z,1\nb,2024-01-01T00:30:00Z,3\na,2024-01-01T01:00:00Z,2\n")
	f.Add("value,series,timestamp\n1.5,x,2024-03-31T01:00:00+02:00\n2,x,2024-03-31T02:00:00+02:00\n")
	f.Add("series,timestamp,value\na,2024-01-01T00:00:00Z,-1\n")
	f.Add("series,timestamp,value\n\"a,b\",2024-01-01T00:00:00Z,1e308\n")
	f.Add("\ufeffseries,timestamp,value\r\na,2024-01-01T00:00:00Z,0\r\na,2024-01-01T00:15:00Z,0\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		ss, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		for _, s := range ss {
			if err := s.Validate(); err != nil {
				t.Fatalf("accepted an invalid series: %v", err)
			}
			if len(s.Values) < 2 {
				t.Fatalf("accepted a series of %d values", len(s.Values))
			}
		}
	})
}

func TestEventsCSV(t *testing.T) {
	in := "name,kind,markets,start,end,lift\nv2,release,DE;JP,2024-05-01T09:00:00Z,,\nsale,campaign,,2024-06-01,2024-06-03,0.4\n"
	evs, err := ReadEventsCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Kind != Release || len(evs[0].Markets) != 2 || evs[1].Lift != 0.4 || !evs[1].End.After(evs[1].Start) {
		t.Errorf("got %+v", evs)
	}
	if _, err := ReadEventsCSV(strings.NewReader("name,kind,markets,start\nx,party,,2024-01-01\n")); err == nil {
		t.Error("unknown kind accepted")
	}
}
