package culture

import (
	"strings"
	"time"
)

// countryZones is the IANA time zone most of a country's people live in: what a message to
// a customer of whom only the country is known states times in. Countries spanning several
// zones get their most populous one.
var countryZones = map[string]string{
	"AE": "Asia/Dubai", "AR": "America/Argentina/Buenos_Aires", "AT": "Europe/Vienna", "AU": "Australia/Sydney",
	"BE": "Europe/Brussels", "BR": "America/Sao_Paulo", "CA": "America/Toronto", "CH": "Europe/Zurich",
	"CL": "America/Santiago", "CN": "Asia/Shanghai", "CO": "America/Bogota", "CZ": "Europe/Prague",
	"DE": "Europe/Berlin", "DK": "Europe/Copenhagen", "EG": "Africa/Cairo", "ES": "Europe/Madrid",
	"FI": "Europe/Helsinki", "FR": "Europe/Paris", "GB": "Europe/London", "GR": "Europe/Athens",
	"HK": "Asia/Hong_Kong", "HU": "Europe/Budapest", "ID": "Asia/Jakarta", "IE": "Europe/Dublin",
	"IL": "Asia/Jerusalem", "IN": "Asia/Kolkata", "IT": "Europe/Rome", "JP": "Asia/Tokyo",
	"KR": "Asia/Seoul", "MX": "America/Mexico_City", "MY": "Asia/Kuala_Lumpur", "NL": "Europe/Amsterdam",
	"NO": "Europe/Oslo", "NZ": "Pacific/Auckland", "PE": "America/Lima", "PH": "Asia/Manila",
	"PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "RU": "Europe/Moscow",
	"SA": "Asia/Riyadh", "SE": "Europe/Stockholm", "SG": "Asia/Singapore", "TH": "Asia/Bangkok",
	"TR": "Europe/Istanbul", "TW": "Asia/Taipei", "UA": "Europe/Kyiv", "US": "America/New_York",
	"VN": "Asia/Ho_Chi_Minh", "ZA": "Africa/Johannesburg",
}

// TimeZone is the time zone to state times in for a customer in country (ISO 3166-1
// alpha-2): its most populous zone; UTC for a country it does not know.
func TimeZone(country string) *time.Location {
	if name, ok := countryZones[strings.ToUpper(country)]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}
