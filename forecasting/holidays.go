package forecasting

import (
	"sort"
	"time"
)

// HolidayCountries lists the markets with a built-in public-holiday table. Other markets'
// holidays are passed as Event data.
var HolidayCountries = []string{"US", "GB", "DE", "FR", "ES", "BR", "JP", "AU"}

// Holidays returns the built-in national public holidays of country for the years from..to
// (inclusive), as one-day Holiday events starting at local midnight in loc (nil: UTC). The
// table covers the nationwide days only; regional days and one-off closures are data.
func Holidays(country string, fromYear, toYear int, loc *time.Location) []Event {
	if loc == nil {
		loc = time.UTC
	}
	var out []Event
	for y := fromYear; y <= toYear; y++ {
		for _, h := range holidayDates(country, y) {
			start := time.Date(y, h.m, h.d, 0, 0, 0, 0, loc)
			out = append(out, Event{Name: h.name, Kind: Holiday, Markets: []string{country}, Start: start, End: start.AddDate(0, 0, 1)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

type hday struct {
	name string
	m    time.Month
	d    int
}

// nthWeekday returns the day of the month of the n-th (n<0: last) weekday wd.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) int {
	if n > 0 {
		first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
		return 1 + (int(wd)-int(first)+7)%7 + 7*(n-1)
	}
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC)
	return last.Day() - (int(last.Weekday())-int(wd)+7)%7
}

// easter returns Gregorian Easter Sunday (anonymous Gregorian algorithm).
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

func fromEaster(y, offset int, name string) hday {
	t := easter(y).AddDate(0, 0, offset)
	return hday{name, t.Month(), t.Day()}
}

// observed moves a fixed-date holiday falling on a weekend to the nearest weekday (US rule)
// or to the following Monday (GB/AU rule).
func observed(y int, m time.Month, d int, name string, usRule bool) hday {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch t.Weekday() {
	case time.Saturday:
		if usRule {
			t = t.AddDate(0, 0, -1)
		} else {
			t = t.AddDate(0, 0, 2)
		}
	case time.Sunday:
		t = t.AddDate(0, 0, 1)
	}
	return hday{name, t.Month(), t.Day()}
}

func holidayDates(country string, y int) []hday {
	switch country {
	case "US":
		h := []hday{
			observed(y, time.January, 1, "New Year's Day", true),
			{"Martin Luther King Jr. Day", time.January, nthWeekday(y, time.January, time.Monday, 3)},
			{"Presidents' Day", time.February, nthWeekday(y, time.February, time.Monday, 3)},
			{"Memorial Day", time.May, nthWeekday(y, time.May, time.Monday, -1)},
			observed(y, time.July, 4, "Independence Day", true),
			{"Labor Day", time.September, nthWeekday(y, time.September, time.Monday, 1)},
			{"Columbus Day", time.October, nthWeekday(y, time.October, time.Monday, 2)},
			observed(y, time.November, 11, "Veterans Day", true),
			{"Thanksgiving", time.November, nthWeekday(y, time.November, time.Thursday, 4)},
			observed(y, time.December, 25, "Christmas Day", true),
		}
		if y >= 2021 {
			h = append(h, observed(y, time.June, 19, "Juneteenth", true))
		}
		return h
	case "GB":
		return []hday{
			observed(y, time.January, 1, "New Year's Day", false),
			fromEaster(y, -2, "Good Friday"), fromEaster(y, 1, "Easter Monday"),
			{"Early May bank holiday", time.May, nthWeekday(y, time.May, time.Monday, 1)},
			{"Spring bank holiday", time.May, nthWeekday(y, time.May, time.Monday, -1)},
			{"Summer bank holiday", time.August, nthWeekday(y, time.August, time.Monday, -1)},
			observed(y, time.December, 25, "Christmas Day", false),
			{"Boxing Day", time.December, 26},
		}
	case "DE":
		return []hday{
			{"Neujahr", time.January, 1}, fromEaster(y, -2, "Karfreitag"), fromEaster(y, 1, "Ostermontag"),
			{"Tag der Arbeit", time.May, 1}, fromEaster(y, 39, "Christi Himmelfahrt"), fromEaster(y, 50, "Pfingstmontag"),
			{"Tag der Deutschen Einheit", time.October, 3}, {"1. Weihnachtstag", time.December, 25}, {"2. Weihnachtstag", time.December, 26},
		}
	case "FR":
		return []hday{
			{"Jour de l'an", time.January, 1}, fromEaster(y, 1, "Lundi de Pâques"), {"Fête du Travail", time.May, 1},
			{"Victoire 1945", time.May, 8}, fromEaster(y, 39, "Ascension"), fromEaster(y, 50, "Lundi de Pentecôte"),
			{"Fête nationale", time.July, 14}, {"Assomption", time.August, 15}, {"Toussaint", time.November, 1},
			{"Armistice", time.November, 11}, {"Noël", time.December, 25},
		}
	case "ES":
		return []hday{
			{"Año Nuevo", time.January, 1}, {"Epifanía", time.January, 6}, fromEaster(y, -2, "Viernes Santo"),
			{"Fiesta del Trabajo", time.May, 1}, {"Asunción", time.August, 15}, {"Fiesta Nacional", time.October, 12},
			{"Todos los Santos", time.November, 1}, {"Constitución", time.December, 6}, {"Inmaculada Concepción", time.December, 8},
			{"Navidad", time.December, 25},
		}
	case "BR":
		return []hday{
			{"Confraternização Universal", time.January, 1}, fromEaster(y, -48, "Carnaval"), fromEaster(y, -47, "Carnaval"),
			fromEaster(y, -2, "Sexta-feira Santa"), {"Tiradentes", time.April, 21}, {"Dia do Trabalho", time.May, 1},
			fromEaster(y, 60, "Corpus Christi"), {"Independência", time.September, 7}, {"Nossa Senhora Aparecida", time.October, 12},
			{"Finados", time.November, 2}, {"Proclamação da República", time.November, 15}, {"Natal", time.December, 25},
		}
	case "JP":
		return []hday{
			{"元日", time.January, 1}, {"成人の日", time.January, nthWeekday(y, time.January, time.Monday, 2)},
			{"建国記念の日", time.February, 11}, {"昭和の日", time.April, 29}, {"憲法記念日", time.May, 3},
			{"みどりの日", time.May, 4}, {"こどもの日", time.May, 5}, {"海の日", time.July, nthWeekday(y, time.July, time.Monday, 3)},
			{"敬老の日", time.September, nthWeekday(y, time.September, time.Monday, 3)},
			{"スポーツの日", time.October, nthWeekday(y, time.October, time.Monday, 2)}, {"文化の日", time.November, 3},
			{"勤労感謝の日", time.November, 23},
		}
	case "AU":
		return []hday{
			observed(y, time.January, 1, "New Year's Day", false), observed(y, time.January, 26, "Australia Day", false),
			fromEaster(y, -2, "Good Friday"), fromEaster(y, 1, "Easter Monday"), {"Anzac Day", time.April, 25},
			observed(y, time.December, 25, "Christmas Day", false), {"Boxing Day", time.December, 26},
		}
	}
	return nil
}
