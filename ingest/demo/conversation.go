package demo

import (
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
)

// Planted rates (see the package comment). The tests measure them back from the texts.
const (
	pSteriliseSEA     = 0.40 // SEA product questions mentioning sterilisation / moisture-proofing
	pSteriliseElse    = 0.03 // the same elsewhere
	pCompareKR        = 0.45 // Korean enquiries comparing with a Japanese brand
	pCompareElse      = 0.04
	pPricingEntNA     = 0.35 // enterprise customers' enquiries about price, North America
	pPricingEntEU     = 0.14 // ... EU: 60% less
	pPricingEntOther  = 0.20
	pContainedRoutine = 0.70 // routine contacts the AI resolves alone
	pContainedOther   = 0.12
)

// Read-only values that events point at (Score, Sentiment, Confidence), so that feedback and
// sentiment cost no allocation. Consumers must not write through these pointers.
var (
	scoreVals [11]float64
	unitVals  [201]float64 // -1.00 .. 1.00 in steps of 0.01
)

func init() {
	for i := range scoreVals {
		scoreVals[i] = float64(i)
	}
	for i := range unitVals {
		unitVals[i] = float64(i-100) / 100
	}
}

// unit returns a shared pointer to x rounded to 0.01 and clamped to [-1, 1].
func unit(x float64) *float64 {
	i := int(x*100 + 100.5)
	return &unitVals[min(200, max(0, i))]
}

var baseIntents = [numIntents]float64{22, 10, 8, 18, 8, 14, 8, 12}

var intentSentiment = [numIntents]float64{0, -0.1, -0.3, 0.2, -0.65, -0.4, -0.25, 0.1}

var summaries = [numIntents]string{
	"Customer asks where their order is; order number given.",
	"Customer wants to return a product; return not yet registered.",
	"Customer is waiting for a refund for a returned item.",
	"Customer has a product question the knowledge base did not answer.",
	"Customer complains about a faulty or damaged product.",
	"Customer's delivery is late; tracking has not moved.",
	"Customer reports a payment problem (double charge or failed payment).",
	"Customer asks for pricing on a larger quantity.",
}

var escalationReasons = []string{"negative_sentiment", "repeat_contact", "vip_customer", "legal_threat", "sla_breach"}

var (
	csatGood = []weighted[int]{{1, 3}, {2, 4}, {3, 10}, {4, 33}, {5, 50}}
	csatBad  = []weighted[int]{{1, 20}, {2, 20}, {3, 25}, {4, 20}, {5, 15}}
	npsGood  = []weighted[int]{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 2}, {5, 3}, {6, 4}, {7, 8}, {8, 15}, {9, 25}, {10, 39}}
	npsBad   = []weighted[int]{{0, 8}, {1, 6}, {2, 8}, {3, 8}, {4, 10}, {5, 12}, {6, 12}, {7, 12}, {8, 10}, {9, 8}, {10, 6}}
)

var tiers = []weighted[string]{{"new", 25}, {"returning", 55}, {"vip", 10}, {"enterprise", 10}}

// customer returns the stable customer a conversation belongs to. A skewed draw makes some
// customers come back often, as real ones do.
func (g *Generator) customer(s *segment, u float64) *customer {
	idx := int(float64(s.pool) * u * u)
	if c := s.customers[idx]; c != nil {
		return c
	}
	h := mix(mix(g.seed, uint64(s.idx)), uint64(idx))
	r := rng{h}
	li := pick(&r, s.locales)
	n := li.c.names
	gn, gr := split(n.given[r.intn(len(n.given))])
	fn, fr := split(n.family[r.intn(len(n.family))])
	c := &customer{hash: h, loc: li, tier: pick(&r, tiers), channel: pick(&r, s.m.channels)}
	switch {
	case n.familyFirst && n.noSpace:
		c.name = fn + gn
	case n.familyFirst:
		c.name = fn + " " + gn
	default:
		c.name = gn + " " + fn
	}
	c.email = strings.ToLower(strings.ReplaceAll(gr+"."+fr, " ", "")) + pad(r.intn(100), 2) + "@" + [...]string{"example.com", "example.net", "example.org"}[r.intn(3)]
	c.phone = "+" + s.m.callCode + digits(&r, 9)
	c.id = "cus_" + hex16(h)
	if c.tier != "new" {
		c.crm = "crm-" + digits(&r, 8)
	}
	s.customers[idx] = c
	return c
}

func split(s string) (native, roman string) {
	if a, b, ok := strings.Cut(s, "/"); ok {
		return a, b
	}
	return s, s
}

func digits(r *rng, n int) string {
	var b [20]byte
	b[0] = byte('1' + r.intn(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + r.intn(10))
	}
	return string(b[:n])
}

const hexDigits = "0123456789abcdef"

func hex16(v uint64) string {
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexDigits[v&15]
		v >>= 4
	}
	return string(b[:])
}

// externalID is the id the channel knows the customer by, in that channel's format.
func (c *customer) externalID(ch string) string {
	i := channelIndex(ch)
	if c.ext[i] != "" {
		return c.ext[i]
	}
	r := rng{mix(c.hash, uint64(i))}
	var id string
	switch ch {
	case "whatsapp", "voice":
		id = c.phone[1:]
	case "email":
		id = c.email
	case "line":
		id = "U" + hex16(r.next()) + hex16(r.next())
	case "wechat":
		id = "o" + hex16(r.next())[:11] + hex16(r.next())
	case "messenger":
		id = digits(&r, 16)
	case "instagram":
		id = digits(&r, 17)
	case "kakaotalk", "telegram":
		id = digits(&r, 10)
	default:
		id = ch + "-" + hex16(r.next())[:12]
	}
	c.ext[i] = id
	return id
}

func channelIndex(ch string) int {
	for i, c := range models.Channels {
		if c == ch {
			return i
		}
	}
	return len(models.Channels)
}

// builder appends one conversation's events, advancing its clock.
type builder struct {
	g       *Generator
	c       *conv
	r       rng
	base    models.Event
	cust    models.Customer
	t, end  time.Time
	from    int64 // events before from or at/after until are not kept
	until   int64
	seq     int
	idPre   string
	ids     string            // all of the conversation's ids, built once and sliced
	custs   []models.Customer // slab the events' Customer values come from
	product string
	order   [8]byte
	li      *localeInfo
	// ai marks the AI's own events being added: left out from Config.EngineFrom with
	// EngineAnswers (the engine's AI decides them).
	ai      bool
	scratch models.Event
}

// idLen is the length of an event id: "ev_" + 16 hex digits + "-" + 2 hex digits.
const idLen = 3 + 16 + 3

// add appends an event of type typ after a delay of secs seconds. Events outside the window or
// past the conversation's maximum span go to a scratch event that is thrown away, so callers
// need no checks and the random stream (hence every id and value) is the same whatever the
// window.
func (b *builder) add(typ string, secs float64) *models.Event {
	b.t = b.t.Add(seconds(secs))
	seq := b.seq
	b.seq++
	if ns := b.t.UnixNano(); b.engineAI() || ns < b.from || ns >= b.until || !b.t.Before(b.end) {
		b.scratch = models.Event{}
		return &b.scratch
	}
	b.c.events = append(b.c.events, b.base)
	e := &b.c.events[len(b.c.events)-1]
	e.Type, e.OccurredAt = typ, b.t
	e.ID = b.id(seq)
	// One allocation per conversation for ids and customers rather than one per event; the
	// values are never reused, so consumers may keep them.
	if len(b.custs) == 0 {
		b.custs = make([]models.Customer, 8)
	}
	b.custs[0] = b.cust
	e.Customer = &b.custs[0]
	b.custs = b.custs[1:]
	return e
}

// skip passes over an event that is not emitted: its time and sequence number go by, so
// that every other event keeps its time and id.
// engineAI reports whether the AI's event being added is the engine's to decide.
func (b *builder) engineAI() bool {
	cfg := &b.g.cfg
	return b.ai && cfg.EngineAnswers && !cfg.EngineFrom.IsZero() && !b.t.Before(cfg.EngineFrom)
}

func (b *builder) skip(secs float64) {
	b.t = b.t.Add(seconds(secs))
	b.seq++
}

func seconds(secs float64) time.Duration { return time.Duration(secs * float64(time.Second)) }

func (b *builder) id(seq int) string {
	const batch = 32
	if seq >= batch {
		return b.idPre + "-" + string([]byte{hexDigits[seq>>4&15], hexDigits[seq&15]})
	}
	if b.ids == "" {
		buf := make([]byte, 0, batch*idLen)
		for i := range batch {
			buf = append(append(buf, b.idPre...), '-', hexDigits[i>>4], hexDigits[i&15])
		}
		b.ids = string(buf)
	}
	return b.ids[seq*idLen : (seq+1)*idLen]
}

// text expands a template: {p} product, {o} order number, {b} brand.
func (b *builder) text(tmpl string, extra ...string) string {
	buf := b.expand(b.g.buf[:0], tmpl, "")
	for i := 0; i+1 < len(extra); i += 2 {
		buf = append(buf, b.li.sep...)
		buf = b.expand(buf, extra[i], extra[i+1])
	}
	b.g.buf = buf
	return string(buf)
}

func (b *builder) expand(buf []byte, tmpl, brand string) []byte {
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 || i+2 >= len(tmpl) || tmpl[i+2] != '}' {
			return append(buf, tmpl...)
		}
		buf = append(buf, tmpl[:i]...)
		switch tmpl[i+1] {
		case 'p':
			buf = append(buf, b.product...)
		case 'o':
			buf = append(buf, b.order[:]...)
		case 'b':
			buf = append(buf, brand...)
		}
		tmpl = tmpl[i+3:]
	}
}

func (b *builder) oneOf(s []string) string { return s[b.r.intn(len(s))] }

// message appends a message whose text is tmpl expanded (see text); the text is only built for
// events that are kept.
func (b *builder) message(typ string, secs float64, tmpl string, extra ...string) *models.Event {
	e := b.add(typ, secs)
	if e == &b.scratch {
		return e
	}
	e.Text = b.text(tmpl, extra...)
	if typ == models.MessageReceived {
		e.Direction = models.Inbound
	} else {
		e.Direction = models.Outbound
	}
	return e
}

// build writes one conversation starting in the hour from hourStart.
// Only events in [from, until) (Unix nanoseconds) are kept.
func (g *Generator) build(c *conv, seg *segment, key uint64, hourStart time.Time, from, until int64) {
	b := builder{g: g, c: c, r: rng{key}, from: from, until: until}
	r := &b.r
	c.key = key
	t0 := hourStart.Add(time.Duration(r.next() % uint64(time.Hour)))
	b.t, b.end = t0, t0.Add(maxSpan)
	cu := g.customer(seg, r.float())
	li := cu.loc
	b.li = li
	lc := li.c
	ch := cu.channel
	if r.chance(0.15) {
		ch = pick(r, seg.m.channels) // the same customer on another channel
	}
	intent := g.intent(r, seg.m, cu.tier)
	b.product = products[r.intn(len(products))]
	b.order[0], b.order[1] = '#', byte('1'+r.intn(9))
	for i := 2; i < len(b.order); i++ {
		b.order[i] = byte('0' + r.intn(10))
	}
	convID := "cv_" + hex16(key)
	b.idPre = "ev_" + hex16(key)
	b.cust = models.Customer{Country: seg.m.country, ExternalID: cu.externalID(ch), Name: cu.name, CRMID: cu.crm, Tier: cu.tier, Locale: li.tag}
	switch ch {
	case "whatsapp", "voice":
		b.cust.Phone = cu.phone
	case "email":
		b.cust.Email = cu.email
	case "webchat":
		if r.chance(0.5) {
			b.cust.Email = cu.email
		}
	}
	b.base = models.Event{Version: models.SchemaVersion, Tenant: g.cfg.Tenant, Region: seg.region, Channel: ch,
		ConversationID: convID, CustomerID: cu.id, Language: li.tag, Product: b.product}

	// Reply delays: e-mail is answered in hours, chat in minutes.
	slow := 1.0
	if ch == "email" {
		slow = 25
	}

	b.add(models.ConversationOpened, 0)
	tmpl, extra, n := b.opening(seg, intent)
	e := b.message(models.MessageReceived, 1+r.float()*2, tmpl, extra[:n]...)
	e.Intent = intentNames[intent]
	sentiment := intentSentiment[intent] + 0.25*r.norm()
	e.Sentiment = unit(sentiment)
	e = b.add(models.AIAction, 1+r.float())
	e.Action, e.Intent, e.Confidence = "classified", intentNames[intent], unit(0.6+0.39*r.float())

	serving := seg.home
	outOfShift := !g.onShift(serving, b.t)
	pContain := pContainedOther
	if routine[intent] {
		pContain = pContainedRoutine
	}
	contained, escalated := r.chance(pContain), false
	answer := lc.answer[answerKind[intent]]

	if contained {
		b.ai = true
		e = b.add(models.AIAction, 2+r.float()*4)
		e.Action, e.AgentID, e.Intent, e.Confidence = "answered", aiAgent, intentNames[intent], unit(0.8+0.2*r.float())
		b.message(models.MessageSent, 0.5, b.oneOf(answer)).AgentID = aiAgent
		b.ai = false
		if r.chance(0.4) {
			b.message(models.MessageReceived, r.exp(90), b.oneOf(lc.follow))
			b.ai = true
			b.message(models.MessageSent, 3+r.float()*3, b.oneOf(answer)).AgentID = aiAgent
			b.ai = false
		}
		if r.chance(0.55) {
			b.message(models.MessageReceived, r.exp(60), b.oneOf(lc.thanks))
		}
		b.ai = true
		e = b.add(models.AIAction, 120+r.exp(300))
		e.Action, e.AgentID = "resolved", aiAgent
		b.add(models.ConversationResolved, 0.5).AgentID = aiAgent
		b.ai = false
	} else {
		b.ai = true
		e = b.add(models.AIAction, 1+r.float()*2)
		e.Action, e.AgentID, e.Summary = "handed_to_agent", aiAgent, summaries[intent]
		b.ai = false
		q := &li.queues[serving]
		queue := q.support
		switch {
		case cu.tier == "vip" || cu.tier == "enterprise":
			queue = q.vip
		case intent == intentRefund || intent == intentPayment:
			queue = q.billing
		}
		e = b.add(models.RoutingDecision, 0.5)
		e.Queue, e.Skills, e.Intent, e.Confidence = queue, li.skills[intent], intentNames[intent], unit(0.5+0.5*r.float())
		if outOfShift && len(g.regions) > 1 {
			serving = g.handOff(&b, serving, intent)
			q = &li.queues[serving]
		}
		wait := r.exp(180) * slow
		if cu.tier == "vip" || cu.tier == "enterprise" {
			wait /= 2
		}
		agent := g.assign(&b, serving, wait)
		if r.chance(0.5) {
			b.add(models.AIAction, 3).Action = "suggested_reply"
		}
		first := lc.ack
		if intent == intentComplaint || intent == intentDeliveryDelay {
			first = lc.apology
		}
		b.message(models.MessageSent, 20+r.exp(40), b.oneOf(first)).AgentID = agent
		for k := 1 + geometric(r, 0.5, 4); k > 0; k-- {
			b.message(models.MessageReceived, 20+r.exp(100)*slow, b.oneOf(lc.follow))
			b.message(models.MessageSent, 20+r.exp(90)*slow, b.oneOf(answer)).AgentID = agent

			pEsc := 0.03
			switch {
			case intent == intentComplaint:
				pEsc = 0.3
			case intent == intentRefund:
				pEsc = 0.12
			}
			if !escalated && r.chance(pEsc) {
				escalated = true
				e = b.add(models.ConversationEscalated, 30+r.exp(60))
				reason := escalationReasons[r.intn(len(escalationReasons))]
				if sentiment < -0.5 {
					reason = "negative_sentiment"
				}
				e.Reason, e.Summary, e.Queue, e.Sentiment = reason, summaries[intent], q.escalations, unit(sentiment)
				agent = g.assign(&b, serving, r.exp(300))
			} else if r.chance(0.06) {
				to := q.billing
				if queue == q.billing {
					to = q.support
				}
				e = b.add(models.ConversationTransferred, 20+r.exp(60))
				e.Queue, e.ToQueue, e.Reason, e.AgentID = queue, to, "wrong_queue", agent
				queue = to
				agent = g.assign(&b, serving, r.exp(180))
			}
			if len(g.regions) > 1 && !g.onShift(serving, b.t) && r.chance(0.8) {
				// The shift ended mid-conversation: follow the sun.
				serving = g.handOff(&b, serving, intent)
				q = &li.queues[serving]
				agent = g.assign(&b, serving, r.exp(120))
			}
		}
		if r.chance(0.5) {
			b.message(models.MessageReceived, r.exp(60)*slow, b.oneOf(lc.thanks))
		}
		b.message(models.MessageSent, 10+r.exp(30), b.oneOf(lc.closing)).AgentID = agent
		b.add(models.ConversationResolved, 60+r.exp(240)).AgentID = agent
	}

	if r.chance(0.35) {
		vals := csatGood
		if escalated || sentiment < -0.6 {
			vals = csatBad
		}
		b.add(models.FeedbackCSAT, 30+r.exp(600)).Score = &scoreVals[pick(r, vals)]
	}
	if r.chance(0.10) {
		vals := npsGood
		if escalated {
			vals = npsBad
		}
		b.add(models.FeedbackNPS, 30+r.exp(1800)).Score = &scoreVals[pick(r, vals)]
	}
	if r.chance(0.06) {
		b.add(models.ConversationReopened, 3600+r.float()*4*3600)
		b.message(models.MessageReceived, 5, b.oneOf(lc.follow))
		b.ai = true
		b.message(models.MessageSent, 20+r.exp(120)*slow, b.oneOf(answer)).AgentID = aiAgent
		b.add(models.ConversationResolved, 60+r.exp(600)).AgentID = aiAgent
		b.ai = false
	}
}

// opening is the customer's first message, carrying the planted signals.
func (b *builder) opening(seg *segment, intent int) (tmpl string, extra [4]string, n int) {
	r, lc := &b.r, b.li.c
	tmpl = b.oneOf(lc.open[intent])

	pSterile := 0.0
	switch {
	case seg.m.sea && intent == intentProductQuestion:
		pSterile = pSteriliseSEA
	case seg.m.sea && (intent == intentComplaint || intent == intentReturns):
		pSterile = 0.15
	case intent == intentProductQuestion:
		pSterile = pSteriliseElse
	}
	if r.chance(pSterile) {
		c := lc
		if seg.m.sea && r.chance(0.4) {
			c = corpora["en"] // SEA customers often switch to English for the technical term
		}
		extra[n], extra[n+1] = c.sterile[r.intn(len(c.sterile))], ""
		n += 2
	}

	pCompare, brands := pCompareElse, brandsLatin
	if seg.m.country == "KR" {
		pCompare = pCompareKR
		switch u := r.float(); {
		case u < 0.65:
			brands = brandsHangul
		case u < 0.9:
			brands = brandsLatin
		default:
			brands = brandsKana
		}
	} else if seg.m.country == "JP" {
		brands = brandsKana
	}
	if r.chance(pCompare) {
		extra[n], extra[n+1] = b.oneOf(lc.compare), brands[r.intn(len(brands))]
		n += 2
	}
	return tmpl, extra, n
}

// intent draws what the customer wants. Enterprise customers ask about price at rates that
// differ by market: the price-sensitivity signal.
func (g *Generator) intent(r *rng, m *market, tier string) int {
	w := baseIntents
	if tier == "enterprise" {
		p := pPricingEntOther
		switch {
		case m.na:
			p = pPricingEntNA
		case m.eu:
			p = pPricingEntEU
		}
		rest := 0.0
		for i, x := range w {
			if i != intentPricing {
				rest += x
			}
		}
		w[intentPricing] = p * rest / (1 - p)
	}
	var total float64
	for _, x := range w {
		total += x
	}
	u := r.float() * total
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return numIntents - 1
}

// onShift reports whether a region's human team is working at t (08:00-18:00 local).
func (g *Generator) onShift(region int, t time.Time) bool {
	h := t.In(g.regions[region].loc).Hour()
	return h >= 8 && h < 18
}

// handOff moves the conversation to the next region west with a summary; it returns the new
// serving region.
func (g *Generator) handOff(b *builder, from, intent int) int {
	to := g.regions[from].next
	e := b.add(models.ConversationHandedOff, 2+b.r.float()*10)
	e.FromRegion, e.ToRegion, e.Summary = g.regions[from].name, g.regions[to].name, summaries[intent]
	e.Team = b.li.queues[to].team
	return to
}

// assign gives the conversation to an agent of the serving region after wait seconds;
// after Config.EngineFrom the engine decides it, and no event says so here.
func (g *Generator) assign(b *builder, region int, wait float64) string {
	agents := g.regions[region].agents
	agent := agents[b.r.intn(len(agents))]
	if from := g.cfg.EngineFrom; !from.IsZero() && !b.t.Add(seconds(wait)).Before(from) {
		b.skip(wait)
		return agent
	}
	e := b.add(models.ConversationAssigned, wait)
	e.AgentID, e.Team = agent, b.li.queues[region].team
	return agent
}

// geometric draws a count of further steps with continuation probability p, capped.
func geometric(r *rng, p float64, limit int) int {
	n := 0
	for n < limit && r.chance(p) {
		n++
	}
	return n
}
