package demo

// Message texts. Placeholders: {p} product, {o} order number, {b} competitor brand. Customer
// texts are kept free of price words, competitor names and the planted product-need phrases
// except where the signal is meant to be (TestCorpusHygiene checks), so the planted rates are
// exactly what the generator decides.

// Intents, in the order of langCorpus.open.
const (
	intentOrderStatus = iota
	intentReturns
	intentRefund
	intentProductQuestion
	intentComplaint
	intentDeliveryDelay
	intentPayment
	intentPricing
	numIntents
)

var intentNames = [numIntents]string{"order_status", "returns", "refund", "product_question", "complaint", "delivery_delay", "payment", "pricing"}

// routine intents are the ones the AI is expected to answer alone most of the time.
var routine = [numIntents]bool{true, true, false, true, false, true, true, true}

type langCorpus struct {
	open    [numIntents][]string // a customer's first message
	follow  []string             // a customer's later message in the same conversation
	thanks  []string             // a customer closing the loop
	ack     []string             // agent: first reply
	apology []string             // agent: reply to a complaint or delay
	answer  [4][]string          // AI/agent answers: order, returns/refund, product/pricing, payment
	closing []string             // agent/AI: closing message
	sterile []string             // planted need: high-temperature sterilisation / moisture-proof
	compare []string             // comparison with a competitor brand {b}
	price   []string             // words that count as a price mention
	names   names
}

type names struct {
	given, family []string // "native/roman" where the two differ
	familyFirst   bool
	noSpace       bool
}

// answerKind maps an intent to langCorpus.answer.
var answerKind = [numIntents]int{0, 1, 1, 2, 1, 0, 3, 2}

// Products the demo tenant sells: small home appliances, where sterilisation and humidity are
// real buying criteria in hot, humid markets.
var products = []string{
	"Kiddo Bottle Steriliser S2", "NovaCook Rice Cooker R5", "AeroPure Air Purifier P3",
	"Breeze Dehumidifier D20", "DryBox Storage Cabinet", "BrewMate Coffee Machine C7",
	"Zephyr Robot Vacuum V9", "ThermaFlask 750", "Halo Smart Kettle", "Glide Hair Dryer H2",
	"Pulse Blender B5", "Spark Toothbrush T3", "Lumi Baby Monitor M1", "Frost Mini Fridge F4",
}

// Japanese competitor brands in Latin, Hangul and Japanese script.
var (
	brandsLatin  = []string{"Toyota", "Honda", "Sony", "Panasonic", "Hitachi", "Toshiba", "Zojirushi", "Tiger", "Muji", "Uniqlo", "Shiseido"}
	brandsHangul = []string{"도요타", "혼다", "소니", "파나소닉", "히타치", "도시바", "조지루시", "타이거", "무인양품", "유니클로", "시세이도"}
	brandsKana   = []string{"トヨタ", "ホンダ", "ソニー", "パナソニック", "日立", "東芝", "象印", "タイガー", "無印良品", "ユニクロ", "資生堂"}
)

var corpora = map[string]*langCorpus{
	"en": {
		open: [numIntents][]string{
			{"Hi, where is my order {o}?", "Can you tell me the status of order {o}?", "Hello, has my order {o} shipped yet?"},
			{"I'd like to return the {p}, how do I do that?", "How do I send back the {p}? It's not what I expected.", "Can I exchange the {p} for another colour?"},
			{"I returned the {p} two weeks ago and still no refund.", "When will I get my money back for order {o}?", "Please refund order {o}, it was cancelled."},
			{"Does the {p} work with 110V?", "Is the {p} dishwasher safe?", "What's the warranty on the {p}?"},
			{"The {p} stopped working after a week. Really disappointed.", "This is the second broken {p} I've received. Unacceptable.", "Your courier left my parcel in the rain and the {p} is damaged."},
			{"My order {o} was supposed to arrive on Monday. Where is it?", "Tracking for {o} hasn't moved in 5 days.", "Still waiting for {o}, it's very late."},
			{"My card was charged twice for order {o}.", "Can I pay with PayPal?", "Payment failed but the money left my account. Order {o}."},
			{"What's the price of the {p} for 50 units?", "Do you offer a volume discount on the {p}?", "Can you send me a quote for 20 x {p}?"},
		},
		follow:  []string{"The order number is {o}.", "Any update?", "OK, and how long will that take?", "I already tried that.", "Sent you a photo."},
		thanks:  []string{"Thanks, that helps!", "Great, thank you.", "Perfect, cheers."},
		ack:     []string{"Hi, thanks for reaching out! Let me check that for you.", "Hello, happy to help. One moment please."},
		apology: []string{"I'm really sorry about this. Let me sort it out right away.", "Apologies for the trouble, I understand how frustrating this is."},
		answer: [4][]string{
			{"Your order {o} has shipped and should arrive within 2 days.", "Order {o} is with the courier; here is your tracking link."},
			{"I've started the return for {o}; you'll get a prepaid label by e-mail.", "Your refund for {o} has been approved and will show in 3-5 days."},
			{"The {p} details are on the product page, including the full spec sheet.", "Yes, the {p} supports that. Let me know if you need more detail."},
			{"I can see two authorisations; the duplicate will be released automatically.", "You can pay by card, PayPal or bank transfer."},
		},
		closing: []string{"Anything else I can help with?", "Glad I could help. Have a great day!"},
		sterile: []string{"Can it handle high-temperature sterilisation?", "Is it moisture-proof? It's very humid here."},
		compare: []string{"How does it compare with {b}?", "Is it better than the {b} one?"},
		price:   []string{"price", "discount", "quote", "cost", "how much", "cheaper"},
		names:   names{given: []string{"James", "Emily", "Oliver", "Sophie", "Michael", "Sarah", "Daniel", "Jessica"}, family: []string{"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Miller", "Clark"}},
	},
	"de": {
		open: [numIntents][]string{
			{"Hallo, wo bleibt meine Bestellung {o}?", "Können Sie mir sagen, wie der Stand von Bestellung {o} ist?"},
			{"Ich möchte den {p} zurückschicken. Wie geht das?", "Wie funktioniert der Umtausch für den {p}?"},
			{"Ich habe den {p} vor zwei Wochen zurückgeschickt und noch kein Geld erhalten.", "Wann bekomme ich die Erstattung für {o}?"},
			{"Funktioniert der {p} auch mit Schweizer Steckdosen?", "Ist der {p} spülmaschinenfest?"},
			{"Der {p} ist nach einer Woche kaputt. Sehr enttäuschend.", "Das ist schon das zweite defekte Gerät. So geht das nicht."},
			{"Meine Bestellung {o} sollte Montag ankommen. Wo ist sie?", "Die Sendungsverfolgung für {o} hängt seit 5 Tagen."},
			{"Meine Karte wurde für {o} zweimal belastet.", "Kann ich per Rechnung oder Klarna zahlen?"},
			{"Was ist der Preis für 50 Stück {p}?", "Gibt es Rabatt ab 20 Stück {p}?"},
		},
		follow:  []string{"Die Bestellnummer ist {o}.", "Gibt es schon Neuigkeiten?", "Das habe ich schon versucht."},
		thanks:  []string{"Danke, das hilft!", "Super, vielen Dank."},
		ack:     []string{"Guten Tag, danke für Ihre Nachricht. Ich prüfe das sofort.", "Hallo, gerne helfe ich Ihnen. Einen Moment bitte."},
		apology: []string{"Das tut mir leid. Ich kümmere mich sofort darum.", "Entschuldigen Sie die Unannehmlichkeiten."},
		answer: [4][]string{
			{"Ihre Bestellung {o} ist unterwegs und kommt in 2 Tagen an.", "Die Sendung {o} ist beim Zusteller; hier ist der Tracking-Link."},
			{"Ich habe die Rücksendung für {o} angelegt; das Etikett kommt per E-Mail.", "Ihre Erstattung für {o} ist freigegeben und in 3-5 Tagen auf dem Konto."},
			{"Alle Angaben zum {p} finden Sie auf der Produktseite.", "Ja, der {p} unterstützt das."},
			{"Die doppelte Belastung ist nur eine Vormerkung und verfällt automatisch.", "Sie können per Karte, PayPal oder Rechnung zahlen."},
		},
		closing: []string{"Kann ich sonst noch etwas für Sie tun?", "Gern geschehen. Einen schönen Tag noch!"},
		sterile: []string{"Verträgt er Hochtemperatur-Sterilisation?", "Ist er feuchtigkeitsbeständig?"},
		compare: []string{"Wie schneidet er im Vergleich zu {b} ab?"},
		price:   []string{"Preis", "Rabatt", "kostet", "günstiger"},
		names:   names{given: []string{"Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie"}, family: []string{"Müller/Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"}},
	},
	"fr": {
		open: [numIntents][]string{
			{"Bonjour, où en est ma commande {o} ?", "Pouvez-vous me dire si la commande {o} est partie ?"},
			{"Je voudrais retourner le {p}, comment faire ?", "Comment échanger le {p} ?"},
			{"J'ai renvoyé le {p} il y a deux semaines, toujours pas remboursé.", "Quand serai-je remboursé pour la commande {o} ?"},
			{"Le {p} passe-t-il au lave-vaisselle ?", "Quelle est la garantie du {p} ?"},
			{"Le {p} ne marche plus après une semaine. Très déçu.", "C'est le deuxième {p} défectueux. Inadmissible."},
			{"Ma commande {o} devait arriver lundi. Où est-elle ?", "Le suivi de {o} ne bouge plus depuis 5 jours."},
			{"Ma carte a été débitée deux fois pour {o}.", "Puis-je payer en plusieurs fois ?"},
			{"Quel est le prix du {p} pour 50 unités ?", "Avez-vous une remise sur le {p} en quantité ?"},
		},
		follow:  []string{"Le numéro de commande est {o}.", "Des nouvelles ?", "J'ai déjà essayé."},
		thanks:  []string{"Merci beaucoup !", "Parfait, merci."},
		ack:     []string{"Bonjour, merci pour votre message. Je vérifie tout de suite.", "Bonjour, je m'en occupe. Un instant s'il vous plaît."},
		apology: []string{"Je suis vraiment désolé. Je règle cela immédiatement.", "Toutes nos excuses pour ce désagrément."},
		answer: [4][]string{
			{"Votre commande {o} est expédiée et arrivera sous 2 jours.", "Le colis {o} est chez le transporteur, voici le lien de suivi."},
			{"J'ai créé le retour pour {o}, l'étiquette arrive par e-mail.", "Votre remboursement pour {o} est validé, sous 3 à 5 jours."},
			{"Toutes les caractéristiques du {p} sont sur la fiche produit.", "Oui, le {p} le permet."},
			{"Le double débit est une pré-autorisation qui sera annulée.", "Vous pouvez payer par carte, PayPal ou virement."},
		},
		closing: []string{"Puis-je vous aider pour autre chose ?", "Avec plaisir, bonne journée !"},
		sterile: []string{"Supporte-t-il la stérilisation à haute température ?", "Est-il résistant à l'humidité ?"},
		compare: []string{"Comment se compare-t-il à {b} ?"},
		price:   []string{"prix", "remise", "coûte", "moins cher"},
		names:   names{given: []string{"Léa/lea", "Hugo", "Camille", "Louis", "Manon", "Lucas", "Chloé/chloe", "Jules"}, family: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"}},
	},
	"es": {
		open: [numIntents][]string{
			{"Hola, ¿dónde está mi pedido {o}?", "¿Me podéis decir el estado del pedido {o}?"},
			{"Quiero devolver el {p}, ¿cómo lo hago?", "¿Cómo cambio el {p} por otro color?"},
			{"Devolví el {p} hace dos semanas y no me han reembolsado.", "¿Cuándo me devuelven el dinero del pedido {o}?"},
			{"¿El {p} se puede lavar en el lavavajillas?", "¿Qué garantía tiene el {p}?"},
			{"El {p} dejó de funcionar a la semana. Muy decepcionado.", "Es el segundo {p} que me llega roto. Inaceptable."},
			{"Mi pedido {o} tenía que llegar el lunes. ¿Dónde está?", "El seguimiento de {o} no se mueve desde hace 5 días."},
			{"Me cobraron dos veces el pedido {o}.", "¿Puedo pagar con PayPal?"},
			{"¿Qué precio tiene el {p} para 50 unidades?", "¿Hay descuento por volumen en el {p}?"},
		},
		follow:  []string{"El número de pedido es {o}.", "¿Alguna novedad?", "Ya lo probé."},
		thanks:  []string{"¡Gracias!", "Perfecto, muchas gracias."},
		ack:     []string{"Hola, gracias por escribirnos. Lo reviso ahora mismo.", "Hola, con gusto te ayudo. Un momento por favor."},
		apology: []string{"Lo siento mucho. Lo soluciono enseguida.", "Disculpa las molestias."},
		answer: [4][]string{
			{"Tu pedido {o} ya salió y llegará en 2 días.", "El pedido {o} está con la paquetería; aquí tienes el enlace de seguimiento."},
			{"He abierto la devolución de {o}; recibirás la etiqueta por correo.", "Tu reembolso de {o} está aprobado, lo verás en 3-5 días."},
			{"Todos los detalles del {p} están en la ficha del producto.", "Sí, el {p} lo permite."},
			{"El doble cargo es una preautorización y se liberará sola.", "Puedes pagar con tarjeta, PayPal o transferencia."},
		},
		closing: []string{"¿Te puedo ayudar en algo más?", "¡Un placer ayudarte, que tengas buen día!"},
		sterile: []string{"¿Aguanta la esterilización a alta temperatura?", "¿Es resistente a la humedad?"},
		compare: []string{"¿Cómo se compara con {b}?"},
		price:   []string{"precio", "descuento", "cuesta", "más barato"},
		names:   names{given: []string{"Lucía/lucia", "Hugo", "Martina", "Mateo", "Sofía/sofia", "Pablo", "Valeria", "Diego"}, family: []string{"García/garcia", "Martínez/martinez", "López/lopez", "Sánchez/sanchez", "Pérez/perez", "Gómez/gomez", "Hernández/hernandez", "Ramírez/ramirez"}},
	},
	"pt": {
		open: [numIntents][]string{
			{"Oi, cadê meu pedido {o}?", "Vocês podem me dizer o status do pedido {o}?"},
			{"Quero devolver o {p}, como faço?", "Como troco o {p} por outra cor?"},
			{"Devolvi o {p} há duas semanas e nada de reembolso.", "Quando vou receber meu dinheiro do pedido {o}?"},
			{"O {p} funciona em 220V?", "Qual a garantia do {p}?"},
			{"O {p} parou de funcionar em uma semana. Muito decepcionado.", "É o segundo {p} que chega quebrado. Absurdo."},
			{"Meu pedido {o} era pra chegar segunda. Cadê?", "O rastreio do {o} está parado há 5 dias."},
			{"Fui cobrado duas vezes no pedido {o}.", "Posso pagar no Pix ou boleto?"},
			{"Qual o preço do {p} para 50 unidades?", "Tem desconto no {p} comprando em quantidade?"},
		},
		follow:  []string{"O número do pedido é {o}.", "Alguma novidade?", "Já tentei isso."},
		thanks:  []string{"Valeu, obrigado!", "Perfeito, obrigada."},
		ack:     []string{"Oi, obrigado pelo contato! Vou verificar agora.", "Olá, já te ajudo. Um momento, por favor."},
		apology: []string{"Sinto muito por isso. Vou resolver agora mesmo.", "Desculpe pelo transtorno."},
		answer: [4][]string{
			{"Seu pedido {o} já foi enviado e chega em 2 dias.", "O pedido {o} está com a transportadora; segue o link de rastreio."},
			{"Abri a devolução do {o}; a etiqueta chega por e-mail.", "Seu reembolso do {o} foi aprovado e cai em 3 a 5 dias."},
			{"Todos os detalhes do {p} estão na página do produto.", "Sim, o {p} suporta isso."},
			{"A cobrança duplicada é uma pré-autorização e será estornada.", "Você pode pagar com cartão, Pix ou boleto."},
		},
		closing: []string{"Posso ajudar em mais alguma coisa?", "Foi um prazer ajudar, tenha um ótimo dia!"},
		sterile: []string{"Aguenta esterilização em alta temperatura?", "É à prova de umidade?"},
		compare: []string{"Como ele se compara com a {b}?"},
		price:   []string{"preço", "desconto", "custa", "mais barato"},
		names:   names{given: []string{"Ana", "João/joao", "Maria", "Pedro", "Juliana", "Lucas", "Fernanda", "Gabriel"}, family: []string{"Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Rodrigues"}},
	},
	"it": {
		open: [numIntents][]string{
			{"Ciao, dov'è il mio ordine {o}?", "Potete dirmi lo stato dell'ordine {o}?"},
			{"Vorrei restituire il {p}, come faccio?", "Come posso cambiare il {p}?"},
			{"Ho restituito il {p} due settimane fa e non ho ancora il rimborso.", "Quando riceverò il rimborso dell'ordine {o}?"},
			{"Il {p} si può lavare in lavastoviglie?", "Che garanzia ha il {p}?"},
			{"Il {p} si è rotto dopo una settimana. Molto deluso.", "È il secondo {p} difettoso. Inaccettabile."},
			{"L'ordine {o} doveva arrivare lunedì. Dov'è?", "Il tracking di {o} è fermo da 5 giorni."},
			{"Mi avete addebitato due volte l'ordine {o}.", "Posso pagare con PayPal?"},
			{"Qual è il prezzo del {p} per 50 pezzi?", "C'è uno sconto sul {p} per quantità?"},
		},
		follow:  []string{"Il numero d'ordine è {o}.", "Novità?", "Ho già provato."},
		thanks:  []string{"Grazie mille!", "Perfetto, grazie."},
		ack:     []string{"Buongiorno, grazie per averci scritto. Controllo subito.", "Ciao, ti aiuto volentieri. Un attimo per favore."},
		apology: []string{"Mi dispiace molto. Risolvo subito.", "Ci scusiamo per il disagio."},
		answer: [4][]string{
			{"Il tuo ordine {o} è partito e arriverà in 2 giorni.", "L'ordine {o} è con il corriere, ecco il link di tracciamento."},
			{"Ho aperto il reso per {o}; riceverai l'etichetta via e-mail.", "Il rimborso per {o} è approvato, arriverà in 3-5 giorni."},
			{"Tutti i dettagli del {p} sono nella scheda prodotto.", "Sì, il {p} lo supporta."},
			{"Il doppio addebito è una preautorizzazione e verrà annullato.", "Puoi pagare con carta, PayPal o bonifico."},
		},
		closing: []string{"Posso aiutarti in altro?", "Felice di esserti stato utile, buona giornata!"},
		sterile: []string{"Regge la sterilizzazione ad alta temperatura?", "È resistente all'umidità?"},
		compare: []string{"Com'è rispetto a {b}?"},
		price:   []string{"prezzo", "sconto", "costa"},
		names:   names{given: []string{"Giulia", "Marco", "Francesca", "Luca", "Chiara", "Andrea", "Sara", "Matteo"}, family: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"}},
	},
	"nl": {
		open: [numIntents][]string{
			{"Hoi, waar blijft mijn bestelling {o}?", "Kunnen jullie de status van bestelling {o} checken?"},
			{"Ik wil de {p} retourneren, hoe werkt dat?", "Kan ik de {p} omruilen?"},
			{"Ik heb de {p} twee weken geleden teruggestuurd en nog geen geld terug.", "Wanneer krijg ik mijn geld terug voor {o}?"},
			{"Mag de {p} in de vaatwasser?", "Hoe lang is de garantie op de {p}?"},
			{"De {p} is na een week kapot. Erg teleurgesteld.", "Dit is al de tweede kapotte {p}. Onacceptabel."},
			{"Bestelling {o} zou maandag komen. Waar is die?", "De track & trace van {o} staat al 5 dagen stil."},
			{"Ik ben twee keer afgeschreven voor {o}.", "Kan ik met iDEAL betalen?"},
			{"Wat is de prijs van de {p} bij 50 stuks?", "Is er korting op de {p} bij grotere aantallen?"},
		},
		follow:  []string{"Het bestelnummer is {o}.", "Al nieuws?", "Dat heb ik al geprobeerd."},
		thanks:  []string{"Dank je wel!", "Top, bedankt."},
		ack:     []string{"Hoi, bedankt voor je bericht. Ik kijk het meteen na.", "Hallo, ik help je graag. Momentje."},
		apology: []string{"Sorry hiervoor, ik los het direct op.", "Excuses voor het ongemak."},
		answer: [4][]string{
			{"Je bestelling {o} is verzonden en komt binnen 2 dagen.", "Pakket {o} is bij de bezorger, hier is de track & trace."},
			{"Ik heb de retour voor {o} aangemaakt; het label komt per e-mail.", "Je terugbetaling voor {o} is goedgekeurd, binnen 3-5 dagen."},
			{"Alle details van de {p} staan op de productpagina.", "Ja, de {p} ondersteunt dat."},
			{"De dubbele afschrijving is een reservering en vervalt vanzelf.", "Je kunt betalen met iDEAL, kaart of PayPal."},
		},
		closing: []string{"Kan ik je nog ergens mee helpen?", "Graag gedaan, fijne dag!"},
		sterile: []string{"Kan hij tegen sterilisatie op hoge temperatuur?", "Is hij vochtbestendig?"},
		compare: []string{"Hoe verhoudt hij zich tot {b}?"},
		price:   []string{"prijs", "korting", "kost"},
		names:   names{given: []string{"Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sanne"}, family: []string{"de Jong/dejong", "Jansen", "de Vries/devries", "Bakker", "Visser", "Smit", "Meijer", "Mulder"}},
	},
	"sv": {
		open: [numIntents][]string{
			{"Hej, var är min beställning {o}?", "Kan ni kolla status på order {o}?"},
			{"Jag vill returnera {p}, hur gör jag?", "Kan jag byta {p} mot en annan färg?"},
			{"Jag skickade tillbaka {p} för två veckor sedan och har inte fått pengarna.", "När får jag återbetalningen för {o}?"},
			{"Tål {p} diskmaskin?", "Hur lång garanti har {p}?"},
			{"{p} slutade fungera efter en vecka. Väldigt besviken.", "Det här är andra trasiga {p}. Inte okej."},
			{"Order {o} skulle komma i måndags. Var är den?", "Spårningen för {o} har stått still i 5 dagar."},
			{"Jag har blivit debiterad två gånger för {o}.", "Kan jag betala med Swish?"},
			{"Vad är ert pris på {p} vid 50 st?", "Ger ni rabatt på {p} vid större antal?"},
		},
		follow:  []string{"Ordernumret är {o}.", "Något nytt?", "Det har jag redan testat."},
		thanks:  []string{"Tack så mycket!", "Perfekt, tack."},
		ack:     []string{"Hej, tack för ditt meddelande. Jag kollar direkt.", "Hej, jag hjälper dig gärna. Ett ögonblick."},
		apology: []string{"Förlåt för det här, jag löser det direkt.", "Vi ber om ursäkt för besväret."},
		answer: [4][]string{
			{"Din order {o} är skickad och kommer inom 2 dagar.", "Paketet {o} är hos budet, här är spårningslänken."},
			{"Jag har registrerat returen för {o}; etiketten kommer via e-post.", "Din återbetalning för {o} är godkänd, inom 3-5 dagar."},
			{"All information om {p} finns på produktsidan.", "Ja, {p} klarar det."},
			{"Den dubbla dragningen är en reservation som släpps automatiskt.", "Du kan betala med kort, Swish eller faktura."},
		},
		closing: []string{"Kan jag hjälpa till med något mer?", "Varsågod, ha en fin dag!"},
		sterile: []string{"Tål den sterilisering i hög temperatur?", "Är den fuktsäker?"},
		compare: []string{"Hur står den sig mot {b}?"},
		price:   []string{"pris", "rabatt", "kostar"},
		names:   names{given: []string{"Elsa", "William", "Alice", "Hugo", "Maja", "Liam", "Astrid", "Oscar"}, family: []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"}},
	},
	"pl": {
		open: [numIntents][]string{
			{"Dzień dobry, gdzie jest moje zamówienie {o}?", "Jaki jest status zamówienia {o}?"},
			{"Chcę zwrócić {p}, jak to zrobić?", "Czy mogę wymienić {p} na inny kolor?"},
			{"Odesłałem {p} dwa tygodnie temu i nadal brak zwrotu pieniędzy.", "Kiedy dostanę zwrot za zamówienie {o}?"},
			{"Czy {p} można myć w zmywarce?", "Jaka jest gwarancja na {p}?"},
			{"{p} przestał działać po tygodniu. Jestem rozczarowany.", "To już drugi uszkodzony {p}. Niedopuszczalne."},
			{"Zamówienie {o} miało dojść w poniedziałek. Gdzie jest?", "Śledzenie {o} stoi od 5 dni."},
			{"Pobrano mi płatność dwa razy za {o}.", "Czy mogę zapłacić BLIKiem?"},
			{"Jaka jest cena {p} przy 50 sztukach?", "Czy jest rabat na {p} przy większym zamówieniu?"},
		},
		follow:  []string{"Numer zamówienia to {o}.", "Są jakieś nowości?", "Już to próbowałem."},
		thanks:  []string{"Dziękuję bardzo!", "Super, dzięki."},
		ack:     []string{"Dzień dobry, dziękujemy za wiadomość. Już sprawdzam.", "Dzień dobry, chętnie pomogę. Chwileczkę."},
		apology: []string{"Bardzo przepraszam, zaraz to rozwiążę.", "Przepraszamy za kłopot."},
		answer: [4][]string{
			{"Zamówienie {o} zostało wysłane i dotrze w ciągu 2 dni.", "Paczka {o} jest u kuriera, oto link do śledzenia."},
			{"Zarejestrowałem zwrot {o}; etykieta przyjdzie mailem.", "Zwrot środków za {o} został zatwierdzony, 3-5 dni."},
			{"Wszystkie informacje o {p} są na stronie produktu.", "Tak, {p} to obsługuje."},
			{"Podwójne obciążenie to blokada, zostanie zwolniona automatycznie.", "Można zapłacić kartą, BLIKiem lub przelewem."},
		},
		closing: []string{"Czy mogę jeszcze w czymś pomóc?", "Cieszę się, że mogłem pomóc. Miłego dnia!"},
		sterile: []string{"Czy wytrzyma sterylizację w wysokiej temperaturze?", "Czy jest odporny na wilgoć?"},
		compare: []string{"Jak wypada w porównaniu z {b}?"},
		price:   []string{"cena", "cenę", "rabat", "kosztuje"},
		names:   names{given: []string{"Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł/pawel", "Agnieszka", "Jakub"}, family: []string{"Nowak", "Kowalski", "Wiśniewski/wisniewski", "Wójcik/wojcik", "Kamiński/kaminski", "Lewandowski", "Zieliński/zielinski", "Szymański/szymanski"}},
	},
	"ja": {
		open: [numIntents][]string{
			{"注文{o}の配送状況を教えていただけますか。", "お世話になっております。注文{o}はいつ発送されますか。"},
			{"{p}を返品したいのですが、手続きを教えてください。", "{p}を別の色に交換できますか。"},
			{"2週間前に{p}を返品しましたが、まだ返金されていません。", "注文{o}の返金はいつになりますか。"},
			{"{p}は食洗機で洗えますか。", "{p}の保証期間を教えてください。"},
			{"{p}が1週間で動かなくなりました。大変残念です。", "届いた{p}が破損していました。対応をお願いします。"},
			{"注文{o}が予定日を過ぎても届いていません。", "{o}の追跡が5日間更新されていません。"},
			{"注文{o}で二重に請求されています。", "コンビニ払いは使えますか。"},
			{"{p}を50台購入する場合の価格を教えてください。", "{p}のまとめ買い割引はありますか。"},
		},
		follow:  []string{"注文番号は{o}です。", "その後いかがでしょうか。", "それはもう試しました。"},
		thanks:  []string{"ありがとうございました。", "助かりました。"},
		ack:     []string{"お問い合わせいただきありがとうございます。ただいま確認いたします。", "いつもご利用ありがとうございます。少々お待ちくださいませ。"},
		apology: []string{"ご不便をおかけして誠に申し訳ございません。すぐに対応いたします。", "大変申し訳ございません。"},
		answer: [4][]string{
			{"ご注文{o}は発送済みで、2日以内にお届け予定でございます。", "ご注文{o}は配送業者に引き渡し済みです。追跡リンクをお送りします。"},
			{"{o}の返品手続きを承りました。返送ラベルをメールでお送りいたします。", "{o}の返金を承認いたしました。3〜5日でご返金となります。"},
			{"{p}の詳細は商品ページにございます。", "はい、{p}は対応しております。"},
			{"二重の請求は仮売上のため、自動的に取り消されます。", "クレジットカード、コンビニ払い、銀行振込がご利用いただけます。"},
		},
		closing: []string{"他にご不明な点はございますか。", "今後ともよろしくお願いいたします。"},
		sterile: []string{"高温殺菌に対応していますか。", "防湿仕様ですか。"},
		compare: []string{"{b}の製品と比べてどうですか。"},
		price:   []string{"価格", "値段", "いくら", "割引"},
		names:   names{given: []string{"健/ken", "陽菜/hina", "翔/sho", "美咲/misaki", "大輝/daiki", "葵/aoi"}, family: []string{"佐藤/sato", "鈴木/suzuki", "高橋/takahashi", "田中/tanaka", "伊藤/ito", "渡辺/watanabe"}, familyFirst: true, noSpace: true},
	},
	"ko": {
		open: [numIntents][]string{
			{"주문 {o} 배송 언제 되나요?", "안녕하세요, 주문 {o} 상태 확인 부탁드려요."},
			{"{p} 반품하고 싶은데 어떻게 하나요?", "{p} 다른 색상으로 교환 가능한가요?"},
			{"2주 전에 {p} 반품했는데 아직 환불이 안 됐어요.", "주문 {o} 환불 언제 되나요?"},
			{"{p} 식기세척기에 넣어도 되나요?", "{p} 보증 기간이 어떻게 되나요?"},
			{"{p}가 일주일 만에 고장났어요. 너무 실망입니다.", "파손된 {p}가 왔어요. 빨리 처리해 주세요."},
			{"주문 {o}가 예정일이 지났는데 아직 안 왔어요.", "{o} 배송 조회가 5일째 그대로예요."},
			{"주문 {o} 결제가 두 번 됐어요.", "카카오페이로 결제 가능한가요?"},
			{"{p} 50개 구매하면 가격이 어떻게 되나요?", "{p} 대량 구매 할인 있나요?"},
		},
		follow:  []string{"주문번호는 {o}입니다.", "혹시 진행 상황 있나요?", "그건 이미 해봤어요."},
		thanks:  []string{"감사합니다!", "해결됐어요, 고맙습니다."},
		ack:     []string{"안녕하세요, 문의 주셔서 감사합니다. 바로 확인해 드리겠습니다.", "고객님, 잠시만 기다려 주세요."},
		apology: []string{"불편을 드려 정말 죄송합니다. 바로 처리해 드리겠습니다.", "죄송합니다, 고객님."},
		answer: [4][]string{
			{"주문 {o}는 발송되었으며 2일 안에 도착 예정입니다.", "주문 {o}는 택배사에 전달되었습니다. 배송 조회 링크를 보내드립니다."},
			{"{o} 반품 접수되었습니다. 회수 안내를 보내드렸습니다.", "{o} 환불이 승인되어 3~5일 내 처리됩니다."},
			{"{p} 상세 정보는 상품 페이지에서 확인하실 수 있습니다.", "네, {p}는 지원됩니다."},
			{"중복 결제는 승인 대기 건으로 자동 취소됩니다.", "카드, 카카오페이, 계좌이체로 결제 가능합니다."},
		},
		closing: []string{"더 궁금하신 점 있으실까요?", "좋은 하루 보내세요!"},
		sterile: []string{"고온 살균이 가능한가요?", "방습 기능이 있나요?"},
		compare: []string{"{b} 제품이랑 비교하면 어떤 게 더 나아요?", "{b}보다 나은 점이 뭔가요?", "{b} 것도 보고 있는데 차이가 뭐예요?"},
		price:   []string{"가격", "얼마", "할인"},
		names:   names{given: []string{"민준/minjun", "서연/seoyeon", "지호/jiho", "하은/haeun", "도윤/doyun", "지우/jiwoo"}, family: []string{"김/kim", "이/lee", "박/park", "최/choi", "정/jung", "강/kang"}, familyFirst: true, noSpace: true},
	},
	"th": {
		open: [numIntents][]string{
			{"สวัสดีค่ะ คำสั่งซื้อ {o} ถึงไหนแล้วคะ", "รบกวนเช็กสถานะออเดอร์ {o} ให้หน่อยครับ"},
			{"อยากคืน {p} ต้องทำยังไงคะ", "เปลี่ยน {p} เป็นสีอื่นได้ไหมครับ"},
			{"ส่ง {p} คืนไปสองอาทิตย์แล้ว ยังไม่ได้เงินคืนเลยค่ะ", "ออเดอร์ {o} จะได้เงินคืนเมื่อไหร่ครับ"},
			{"{p} ล้างในเครื่องล้างจานได้ไหมคะ", "{p} รับประกันกี่ปีครับ"},
			{"{p} ใช้ได้อาทิตย์เดียวก็เสีย ผิดหวังมากค่ะ", "ได้รับ {p} ที่แตกมา ช่วยจัดการด่วนครับ"},
			{"ออเดอร์ {o} เลยกำหนดส่งแล้วยังไม่ได้รับเลยค่ะ", "เลขพัสดุ {o} ไม่อัปเดตมา 5 วันแล้วครับ"},
			{"ออเดอร์ {o} โดนตัดเงินสองครั้งค่ะ", "จ่ายผ่านพร้อมเพย์ได้ไหมครับ"},
			{"{p} ถ้าซื้อ 50 เครื่อง ราคาเท่าไหร่คะ", "ซื้อ {p} จำนวนมากมีส่วนลดไหมครับ"},
		},
		follow:  []string{"เลขออเดอร์ {o} ค่ะ", "มีอัปเดตไหมครับ", "ลองแล้วค่ะ"},
		thanks:  []string{"ขอบคุณค่ะ", "ขอบคุณมากครับ"},
		ack:     []string{"สวัสดีค่ะ ขอบคุณที่ติดต่อมา ขอตรวจสอบสักครู่นะคะ", "สวัสดีครับ ยินดีให้บริการครับ รอสักครู่นะครับ"},
		apology: []string{"ขออภัยในความไม่สะดวกค่ะ จะรีบดำเนินการให้ทันทีค่ะ", "ต้องขออภัยจริงๆ ครับ"},
		answer: [4][]string{
			{"ออเดอร์ {o} จัดส่งแล้ว จะถึงภายใน 2 วันค่ะ", "ออเดอร์ {o} อยู่กับขนส่งแล้ว นี่คือลิงก์ติดตามพัสดุค่ะ"},
			{"เปิดเรื่องคืนสินค้า {o} แล้ว จะส่งฉลากให้ทางอีเมลค่ะ", "อนุมัติคืนเงิน {o} แล้ว ภายใน 3-5 วันค่ะ"},
			{"รายละเอียดของ {p} อยู่ในหน้าสินค้าค่ะ", "ได้ค่ะ {p} รองรับค่ะ"},
			{"ยอดที่ซ้ำเป็นการกันวงเงิน จะคืนอัตโนมัติค่ะ", "ชำระได้ทั้งบัตร พร้อมเพย์ และโอนเงินค่ะ"},
		},
		closing: []string{"มีอะไรให้ช่วยเพิ่มเติมไหมคะ", "ขอบคุณที่ใช้บริการค่ะ"},
		sterile: []string{"ฆ่าเชื้อด้วยความร้อนสูงได้ไหมคะ", "กันความชื้นได้ไหม อากาศที่นี่ชื้นมาก"},
		compare: []string{"เทียบกับ {b} แล้วเป็นยังไงคะ"},
		price:   []string{"ราคา", "ส่วนลด"},
		names:   names{given: []string{"สมชาย/somchai", "สุดา/suda", "ณัฐ/nat", "พิมพ์/pim", "ธนา/thana", "มาลี/malee"}, family: []string{"ศรีสุข/srisuk", "วงศ์ใหญ่/wongyai", "แสงทอง/saengthong", "บุญมา/boonma", "จันทร์ดี/chandee", "ทองดี/thongdee"}},
	},
	"id": {
		open: [numIntents][]string{
			{"Halo kak, pesanan {o} saya sudah sampai mana ya?", "Mau cek status pesanan {o} dong."},
			{"Saya mau retur {p}, caranya gimana?", "Bisa tukar {p} warna lain?"},
			{"Sudah retur {p} dua minggu lalu tapi dana belum kembali.", "Kapan refund pesanan {o} masuk?"},
			{"{p} bisa dicuci di mesin cuci piring?", "Garansi {p} berapa lama?"},
			{"{p} rusak setelah seminggu. Kecewa banget.", "{p} yang datang pecah. Tolong segera diproses."},
			{"Pesanan {o} harusnya sampai Senin, kok belum datang?", "Resi {o} tidak bergerak 5 hari."},
			{"Saldo saya terpotong dua kali untuk pesanan {o}.", "Bisa bayar pakai GoPay?"},
			{"Harga {p} kalau beli 50 unit berapa?", "Ada diskon untuk pembelian {p} dalam jumlah banyak?"},
		},
		follow:  []string{"Nomor pesanannya {o}.", "Ada kabar?", "Sudah saya coba."},
		thanks:  []string{"Makasih kak!", "Oke, terima kasih."},
		ack:     []string{"Halo kak, terima kasih sudah menghubungi kami. Kami cek dulu ya.", "Halo, dengan senang hati kami bantu. Mohon ditunggu."},
		apology: []string{"Mohon maaf atas ketidaknyamanannya kak, segera kami bantu.", "Kami mohon maaf ya kak."},
		answer: [4][]string{
			{"Pesanan {o} sudah dikirim dan tiba dalam 2 hari.", "Pesanan {o} sudah di kurir, ini link lacaknya."},
			{"Retur {o} sudah kami buat; label dikirim lewat email.", "Refund {o} sudah disetujui, masuk dalam 3-5 hari."},
			{"Detail {p} ada di halaman produk ya kak.", "Bisa kak, {p} mendukung itu."},
			{"Potongan ganda itu otorisasi sementara dan akan kembali otomatis.", "Bisa bayar dengan kartu, GoPay, atau transfer bank."},
		},
		closing: []string{"Ada lagi yang bisa kami bantu?", "Terima kasih kak, semoga harinya menyenangkan!"},
		sterile: []string{"Apakah bisa disterilisasi suhu tinggi?", "Apakah tahan lembap? Di sini lembap sekali."},
		compare: []string{"Kalau dibanding {b} gimana?"},
		price:   []string{"Harga", "harga", "diskon"},
		names:   names{given: []string{"Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri"}, family: []string{"Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kurniawan"}},
	},
	"vi": {
		open: [numIntents][]string{
			{"Chào shop, đơn {o} của mình đến đâu rồi ạ?", "Cho mình hỏi tình trạng đơn hàng {o}."},
			{"Mình muốn trả lại {p}, làm thế nào ạ?", "Có đổi {p} sang màu khác được không?"},
			{"Mình gửi trả {p} hai tuần rồi mà chưa được hoàn tiền.", "Khi nào mình nhận được tiền hoàn cho đơn {o}?"},
			{"{p} có rửa bằng máy rửa bát được không?", "{p} bảo hành bao lâu ạ?"},
			{"{p} dùng một tuần đã hỏng. Thất vọng quá.", "Nhận {p} bị vỡ. Xử lý gấp giúp mình."},
			{"Đơn {o} lẽ ra thứ Hai phải tới mà chưa thấy.", "Mã vận đơn {o} 5 ngày không cập nhật."},
			{"Đơn {o} bị trừ tiền hai lần.", "Thanh toán qua MoMo được không?"},
			{"Mua 50 cái {p} thì giá thế nào ạ?", "Mua {p} số lượng lớn có giảm giá không?"},
		},
		follow:  []string{"Mã đơn là {o}.", "Có tin gì chưa ạ?", "Mình thử rồi."},
		thanks:  []string{"Cảm ơn shop!", "Ok, cảm ơn nhiều."},
		ack:     []string{"Chào bạn, cảm ơn bạn đã liên hệ. Mình kiểm tra ngay nhé.", "Xin chào, rất vui được hỗ trợ. Bạn chờ chút nhé."},
		apology: []string{"Thành thật xin lỗi bạn, mình xử lý ngay.", "Xin lỗi vì sự bất tiện này."},
		answer: [4][]string{
			{"Đơn {o} đã gửi đi, dự kiến tới trong 2 ngày.", "Đơn {o} đang ở đơn vị vận chuyển, đây là link theo dõi."},
			{"Đã tạo yêu cầu trả hàng {o}; nhãn gửi qua email.", "Hoàn tiền đơn {o} đã duyệt, 3-5 ngày sẽ nhận."},
			{"Thông tin chi tiết {p} có ở trang sản phẩm.", "Có bạn nhé, {p} hỗ trợ."},
			{"Khoản trừ trùng là tạm giữ, sẽ tự hoàn lại.", "Bạn có thể thanh toán bằng thẻ, MoMo hoặc chuyển khoản."},
		},
		closing: []string{"Bạn cần hỗ trợ gì thêm không?", "Chúc bạn một ngày tốt lành!"},
		sterile: []string{"Có tiệt trùng nhiệt độ cao được không?", "Sản phẩm có chống ẩm không? Ở đây ẩm lắm."},
		compare: []string{"So với {b} thì sao?"},
		price:   []string{"giá", "giảm giá"},
		names:   names{given: []string{"Anh", "Huy", "Linh", "Minh", "Trang", "Nam"}, family: []string{"Nguyễn/nguyen", "Trần/tran", "Lê/le", "Phạm/pham", "Hoàng/hoang", "Võ/vo"}, familyFirst: true},
	},
	"ms": {
		open: [numIntents][]string{
			{"Hai, pesanan {o} saya dah sampai mana?", "Boleh semak status pesanan {o}?"},
			{"Saya nak pulangkan {p}, macam mana caranya?", "Boleh tukar {p} warna lain?"},
			{"Dah pulangkan {p} dua minggu lepas tapi duit belum masuk.", "Bila bayaran balik untuk {o} akan masuk?"},
			{"{p} boleh basuh dalam mesin basuh pinggan?", "Waranti {p} berapa lama?"},
			{"{p} rosak selepas seminggu. Sangat kecewa.", "{p} sampai dalam keadaan pecah. Tolong uruskan segera."},
			{"Pesanan {o} sepatutnya sampai Isnin. Mana dia?", "Penjejakan {o} tak bergerak 5 hari."},
			{"Kad saya dicaj dua kali untuk {o}.", "Boleh bayar guna Touch 'n Go?"},
			{"Harga {p} untuk 50 unit macam mana?", "Ada diskaun untuk beli {p} banyak?"},
		},
		follow:  []string{"Nombor pesanan {o}.", "Ada berita?", "Dah cuba dah."},
		thanks:  []string{"Terima kasih!", "Okay, terima kasih banyak."},
		ack:     []string{"Hai, terima kasih kerana menghubungi kami. Kami semak sekejap ya.", "Hai, dengan senang hati kami bantu. Sila tunggu sebentar."},
		apology: []string{"Maaf atas kesulitan ini, kami uruskan segera.", "Kami mohon maaf."},
		answer: [4][]string{
			{"Pesanan {o} sudah dihantar dan akan sampai dalam 2 hari.", "Pesanan {o} ada dengan kurier, ini pautan penjejakan."},
			{"Pemulangan {o} sudah didaftarkan; label dihantar melalui e-mel.", "Bayaran balik {o} diluluskan, dalam 3-5 hari."},
			{"Butiran {p} ada di halaman produk.", "Ya, {p} menyokongnya."},
			{"Caj berganda itu adalah pegangan sementara dan akan dilepaskan.", "Boleh bayar guna kad, Touch 'n Go atau FPX."},
		},
		closing: []string{"Ada apa-apa lagi yang boleh dibantu?", "Terima kasih, semoga hari anda baik!"},
		sterile: []string{"Boleh disteril pada suhu tinggi tak?", "Adakah ia kalis lembapan?"},
		compare: []string{"Kalau banding dengan {b} macam mana?"},
		price:   []string{"Harga", "harga", "diskaun"},
		names:   names{given: []string{"Ahmad", "Nur", "Aiman", "Siti", "Hafiz", "Aisyah"}, family: []string{"Abdullah", "Ismail", "Rahman", "Hassan", "Ibrahim", "Yusof"}},
	},
	"ar": {
		open: [numIntents][]string{
			{"السلام عليكم، وين طلبي رقم {o}؟", "ممكن تتأكدون من حالة الطلب {o}؟"},
			{"أبغى أرجع {p}، كيف الطريقة؟", "هل يمكن استبدال {p} بلون آخر؟"},
			{"رجعت {p} قبل أسبوعين وما وصلني المبلغ.", "متى يرجع مبلغ الطلب {o}؟"},
			{"هل {p} يتحمل غسالة الصحون؟", "كم مدة ضمان {p}؟"},
			{"{p} خرب بعد أسبوع. خيبة أمل كبيرة.", "وصلني {p} مكسور. أرجو المعالجة بسرعة."},
			{"الطلب {o} كان المفروض يوصل يوم الاثنين. وينه؟", "تتبع الشحنة {o} ما تحرك من 5 أيام."},
			{"تم سحب المبلغ مرتين للطلب {o}.", "هل يمكن الدفع عند الاستلام؟"},
			{"كم سعر {p} إذا أخذت 50 حبة؟", "هل فيه خصم على {p} للكميات؟"},
		},
		follow:  []string{"رقم الطلب {o}.", "فيه جديد؟", "جربت هذا من قبل."},
		thanks:  []string{"شكراً جزيلاً!", "تمام، مشكورين."},
		ack:     []string{"وعليكم السلام، أهلاً وسهلاً بك. سأتحقق من ذلك حالاً.", "مرحباً بك، يسعدنا خدمتك. لحظات من فضلك."},
		apology: []string{"نعتذر منك جداً عن هذا الإزعاج، وسنحل الأمر فوراً.", "نأسف لما حدث، ونقدّر صبرك."},
		answer: [4][]string{
			{"تم شحن طلبك {o} وسيصلك خلال يومين بإذن الله.", "طلبك {o} مع شركة الشحن، وهذا رابط التتبع."},
			{"تم تسجيل الإرجاع للطلب {o} وسيصلك الملصق بالبريد.", "تمت الموافقة على استرداد مبلغ الطلب {o} خلال 3-5 أيام."},
			{"تفاصيل {p} موجودة في صفحة المنتج.", "نعم، {p} يدعم ذلك."},
			{"المبلغ المكرر حجز مؤقت وسيُلغى تلقائياً.", "يمكنك الدفع بالبطاقة أو Apple Pay أو عند الاستلام."},
		},
		closing: []string{"هل هناك شيء آخر نخدمك فيه؟", "شكراً لتواصلك معنا، يومك سعيد!"},
		sterile: []string{"هل يتحمل التعقيم بدرجة حرارة عالية؟", "هل هو مقاوم للرطوبة؟"},
		compare: []string{"كيف يقارن مع {b}؟"},
		price:   []string{"سعر", "خصم"},
		names:   names{given: []string{"محمد/mohammed", "فاطمة/fatimah", "عبدالله/abdullah", "نورة/noura", "خالد/khalid", "سارة/sara"}, family: []string{"العتيبي/alotaibi", "القحطاني/alqahtani", "الحربي/alharbi", "الشمري/alshammari", "المنصوري/almansoori", "الزهراني/alzahrani"}},
	},
	"zh-Hans": {
		open: [numIntents][]string{
			{"你好，我的订单{o}到哪了？", "麻烦查一下订单{o}的物流。"},
			{"我想退{p}，怎么操作？", "{p}可以换个颜色吗？"},
			{"两周前退了{p}，到现在还没退款。", "订单{o}的退款什么时候到账？"},
			{"{p}可以放洗碗机吗？", "{p}保修多久？"},
			{"{p}用了一周就坏了，太失望了。", "收到的{p}是坏的，请尽快处理。"},
			{"订单{o}说周一到，现在还没收到。", "{o}的物流5天没更新了。"},
			{"订单{o}被扣了两次款。", "可以用支付宝付款吗？"},
			{"{p}买50台的话价格是多少？", "{p}批量购买有优惠吗？"},
		},
		follow:  []string{"订单号是{o}。", "有进展了吗？", "这个我试过了。"},
		thanks:  []string{"谢谢！", "好的，非常感谢。"},
		ack:     []string{"您好，感谢您的咨询，我马上帮您查询。", "您好，很高兴为您服务，请稍等。"},
		apology: []string{"非常抱歉给您带来不便，我们马上处理。", "实在抱歉。"},
		answer: [4][]string{
			{"您的订单{o}已发货，预计2天内送达。", "订单{o}已交给快递，这是物流链接。"},
			{"已为{o}办理退货，退货标签会发到您的邮箱。", "{o}的退款已审核通过，3-5天到账。"},
			{"{p}的详细信息请见商品页面。", "是的，{p}支持。"},
			{"重复扣款是预授权，会自动退回。", "支持银行卡、支付宝和微信支付。"},
		},
		closing: []string{"还有其他可以帮您的吗？", "祝您生活愉快！"},
		sterile: []string{"能高温消毒吗？", "防潮吗？这里很潮湿。"},
		compare: []string{"和{b}比怎么样？"},
		price:   []string{"价格", "多少钱", "优惠", "折扣"},
		names:   names{given: []string{"伟/wei", "芳/fang", "磊/lei", "静/jing", "洋/yang", "敏/min"}, family: []string{"王/wang", "李/li", "张/zhang", "刘/liu", "陈/chen", "杨/yang"}, familyFirst: true, noSpace: true},
	},
	"zh-Hant": {
		open: [numIntents][]string{
			{"你好，我的訂單{o}到哪了？", "請幫我查一下訂單{o}的進度。"},
			{"我想退{p}，要怎麼辦理？", "{p}可以換顏色嗎？"},
			{"兩週前退了{p}，到現在還沒退款。", "訂單{o}的退款什麼時候會入帳？"},
			{"{p}可以放洗碗機嗎？", "{p}保固多久？"},
			{"{p}用一週就壞了，很失望。", "收到的{p}是破損的，請盡快處理。"},
			{"訂單{o}說週一到，現在還沒收到。", "{o}的物流5天沒更新了。"},
			{"訂單{o}被重複扣款。", "可以用LINE Pay付款嗎？"},
			{"{p}買50台的話價格是多少？", "{p}大量購買有優惠嗎？"},
		},
		follow:  []string{"訂單編號是{o}。", "請問有進度嗎？", "這個我試過了。"},
		thanks:  []string{"謝謝！", "好的，非常感謝。"},
		ack:     []string{"您好，感謝您的來訊，我馬上為您查詢。", "您好，很高興為您服務，請稍候。"},
		apology: []string{"造成您的不便非常抱歉，我們立即處理。", "真的很抱歉。"},
		answer: [4][]string{
			{"您的訂單{o}已出貨，預計2天內送達。", "訂單{o}已交給物流，這是追蹤連結。"},
			{"已為{o}辦理退貨，退貨標籤會寄到您的信箱。", "{o}的退款已核准，3-5天入帳。"},
			{"{p}的詳細資訊請見商品頁面。", "是的，{p}支援。"},
			{"重複扣款是預授權，會自動退回。", "可使用信用卡、LINE Pay或轉帳。"},
		},
		closing: []string{"還有其他需要協助的嗎？", "祝您有美好的一天！"},
		sterile: []string{"可以高溫消毒嗎？", "有防潮嗎？這裡很潮濕。"},
		compare: []string{"和{b}比起來如何？"},
		price:   []string{"價格", "多少錢", "優惠", "折扣"},
		names:   names{given: []string{"志明/chihming", "淑芬/shufen", "家豪/chiahao", "怡君/yichun", "俊傑/chunchieh", "雅婷/yating"}, family: []string{"陳/chen", "林/lin", "黃/huang", "張/chang", "李/lee", "王/wang"}, familyFirst: true, noSpace: true},
	},
}
