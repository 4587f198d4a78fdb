package sentiment

// The lexicons, written for this package. Each language maps a key to terms separated by
// "|"; a term may end in "=w" to scale its weight (default 1). Keys:
//
//   - "pos", "neg": polar words and phrases (cue "pos:<term>", "neg:<term>");
//   - "anger", "frustration", "anxiety", "satisfaction": emotion words, which also carry
//     polarity (cue "emotion:<emotion>:<term>");
//   - "mask": neutral phrases taken out before matching ("good morning", "好几", "เสียง"), so
//     that a polar word inside them does not count;
//   - "intens": intensifiers next to a term ("very", "sehr", "とても", "很", "매우", "มาก");
//   - "contrast": "but" and its kin; the clause after the last one weighs more;
//   - "negator": in spaced languages, words that negate a term up to three words later; in
//     languages matched by substring, prefixes directly before it ("不", "안", "ไม่", "ليس");
//   - "postneg": in spaced languages, words that negate a term up to three words earlier
//     ("funktioniert der Drucker nicht", "memnun değilim"); in languages matched by
//     substring, suffixes directly after it ("満足していません", "좋지 않아요").
//
// In spaced languages a term ending in "*" matches any word starting with it; ja, zh, th, ko
// and ar are matched by substring.

var substringLangs = map[string]bool{"ja": true, "zh": true, "th": true, "ko": true, "ar": true}

var lexiconData = map[string]map[string]string{
	"en": {
		"pos":          "good|great|excellent|awesome|amazing|fantastic|wonderful|brilliant|helpful|fast|quick|quickly|nice|love|loved|happy|glad|pleased|works now|working now|works again|fixed|solved|resolved|sorted|recommend|best|well done|kind|friendly|smooth|easy|no problem=0.5|no worries=0.4|works=0.5|arrived=0.3|great job",
		"neg":          "bad|poor|terrible=1.5|awful=1.5|horrible=1.5|broken|broke|damaged|defective|faulty|cracked|wrong|missing|lost|late|delayed|delay|slow|problem=0.7|problems=0.7|issue=0.6|error=0.7|not working|doesn't work|does not work|didn't work|stopped working|never arrived|never received|useless|worst=2|disappointed|disappointing|unhappy|complaint|charged twice|charged me twice|charge me twice|double charged|unfortunately=0.6|annoying|mess|rubbish|junk",
		"anger":        "furious|outrageous|outraged|unacceptable|disgusting|disgrace|scam|scammers|thieves|angry|pissed|livid|how dare|shame on you|insane=0.7",
		"frustration":  "again=0.6|again and again|yet again|still not|still no|still waiting|still haven't|still hasn't|third time|fourth time|so many times|how many times|for weeks|for days|two weeks|three weeks|weeks now|nobody answers|no one answers|nobody replies|no response|no answer|no reply|fed up|sick of|tired of|ridiculous|every time|waiting for=0.5|ignored|keep getting",
		"anxiety":      "worried|worry|worrying|afraid|scared|anxious|nervous|concerned|fear|frightened|panic|panicking|hacked=0.6|is it safe|not sure if=0.4",
		"satisfaction": "thanks again|thank you again|thank you so much=1.5|thanks so much=1.5|thank you very much=1.5|thanks a lot=1.3|many thanks=1.3|thank you|thanks|thx|ty=0.5|great service=1.5|excellent service=1.5|satisfied|happy with|love it|appreciate it|really appreciate|appreciate|appreciated|grateful|you're the best|perfect|lifesaver|cheers=0.5",
		"mask":         "good morning|good afternoon|good evening|good day|good night|thank you in advance|thanks in advance|no matter",
		"intens":       "very|so|really|extremely|absolutely|totally|incredibly|completely|truly|such|too|super",
		"contrast":     "but|however|although|though",
		"negator":      "not|no|never|isn't|wasn't|don't|doesn't|didn't|aren't|won't|can't|cannot|hardly|barely|nothing|without|isnt|dont|doesnt|didnt|neither|nor",
	},
	"de": {
		"pos":          "gut|super|toll|prima|klasse|perfekt|ausgezeichnet|hervorragend|schnell|freundlich|hilfreich|funktioniert jetzt|funktioniert wieder|klappt|gelöst|behoben|top|empfehle*|bestens|großartig|wunderbar|einwandfrei|reibungslos|lief super|funktioniert=0.5|angekommen=0.3",
		"neg":          "schlecht|schlechte*|kaputt|defekt|beschädigt|falsch|fehlt|verspätet|verspätung|langsam|problem=0.7|probleme=0.7|fehler=0.7|funktioniert nicht|geht nicht|klappt nicht|nicht angekommen|enttäuscht|enttäuschend|leider=0.6|ärgerlich|mangelhaft|schlimm|katastrophe|katastrophal|nutzlos|schlechteste*=2|nie wieder|unzufrieden",
		"anger":        "unverschämt*|unverschämtheit|frechheit|wütend|sauer|stinksauer|unfassbar|skandal*|betrug|betrüger|abzocke|inakzeptabel|zumutung|unglaublich=0.5",
		"frustration":  "schon wieder|wieder=0.5|immer noch|noch immer|wochenlang|seit wochen|seit tagen|zum dritten mal|das dritte mal|jedes mal|keine antwort|niemand antwortet|es reicht|genervt|nervt|satt|warte seit",
		"anxiety":      "besorgt|sorge|sorgen|angst|ängstlich|befürchte|beunruhigt|nervös|hoffentlich=0.4",
		"satisfaction": "vielen dank=1.5|herzlichen dank=1.5|danke schön=1.3|dankeschön=1.3|danke|zufrieden|begeistert|alles bestens|sehr nett",
		"mask":         "guten morgen|guten tag|guten abend|gute nacht|danke im voraus",
		"intens":       "sehr|total|echt|wirklich|absolut|extrem|so|äußerst|richtig|voll|ganz|mega",
		"contrast":     "aber|jedoch|allerdings|trotzdem",
		"negator":      "nicht|kein|keine|keinen|keiner|nie|niemals|ohne|kaum|nichts",
		"postneg":      "nicht",
	},
	"fr": {
		"pos":          "bon|bonne|bien|super|génial|géniale|excellent*|parfait*|rapide*|efficace*|gentil*|sympa|top|au top|formidable|impeccable|réglé|résolu|fonctionne|recommande|ravi*|content|contente|nickel",
		"neg":          "mauvais*|nul|nulle|cassé*|abîmé*|endommagé*|défectueu*|en panne|panne|retard*|lent|lente|problème*=0.7|souci*=0.6|erreur*=0.7|ne fonctionne pas|ne marche pas|perdu*|déçu*|décevant*|pas terrible|dommage|malheureusement=0.6|pire|horrible*|catastroph*|inutile|mécontent*",
		"anger":        "furieu*|scandaleu*|scandale|inadmissible|inacceptable|honte|honteu*|en colère|colère|énervé*|arnaque*|voleurs|n'importe quoi",
		"frustration":  "encore une fois|encore=0.5|toujours pas|toujours rien|toujours aucun*|troisième fois|plusieurs fois|depuis des semaines|depuis un mois|en ai marre|marre|ras le bol|personne ne répond|personne ne me répond|aucune réponse|en avoir assez|j'en ai assez",
		"anxiety":      "inquiet|inquiète|inquiets|inquiétude|peur|angoiss*|stressé*|crains",
		"satisfaction": "merci beaucoup=1.5|merci infiniment=1.5|mille mercis=1.5|merci|satisfait*|super service=1.5|très bon service",
		"mask":         "bonjour|bonsoir|bonne journée|merci d'avance|merci par avance",
		"intens":       "très|trop|vraiment|tellement|extrêmement|totalement|absolument|si|hyper",
		"contrast":     "mais|cependant|pourtant|par contre|toutefois",
		"negator":      "pas|ne|n'|jamais|aucun|aucune|sans|rien|ni",
		"postneg":      "pas",
	},
	"es": {
		"pos":          "bueno|buena|bien|genial|excelente|perfecto|perfecta|rápido|rápida|rapidísimo|amable*|atento|atenta|funciona=0.6|resuelto|solucionado|recomiendo|maravill*|increíble|fantástico|encanta|encantó|me gusta|contento|contenta|feliz|de lujo",
		"neg":          "malo|mala|mal|roto|rota|dañado|dañada|defectuos*|estropeado|no funciona|no llegó|retraso|retrasado|lento|lenta|problema*=0.7|error*=0.7|fallo|falla|perdido|decepcion*|lamentablemente=0.6|desafortunadamente=0.6|peor|pésimo|pésima|horrible|fatal|no es el que|incorrecto|equivocado|no me gusta",
		"anger":        "furioso|furiosa|enfadado|enfadada|enojado|enojada|indignado|indignada|vergüenza|inaceptable|inadmisible|estafa|ladrones|qué asco",
		"frustration":  "otra vez|de nuevo|tercera vez|cuarta vez|varias veces|sigo esperando|sigue sin|todavía no|aún no|llevo semanas|desde hace semanas|semanas esperando|harto|harta|cansado de|cansada de|nadie responde|nadie contesta|sin respuesta",
		"anxiety":      "preocupad*|me preocupa|preocupación|miedo|nervios*|angustia*|temo|ansios*",
		"satisfaction": "muchas gracias=1.5|mil gracias=1.5|gracias|muy agradecido|muy agradecida|agradecido|agradecida|excelente atención=1.5|buen servicio|satisfecho|satisfecha|encantado|encantada",
		"mask":         "buenos días|buenas tardes|buenas noches|gracias de antemano",
		"intens":       "muy|súper|super|tan|realmente|totalmente|demasiado|sumamente|bastante",
		"contrast":     "pero|sin embargo|aunque|no obstante",
		"negator":      "no|nunca|jamás|nada|ni|sin|tampoco",
	},
	"pt": {
		"pos":          "bom|boa|bem|ótimo|ótima|excelente|perfeito|perfeita|rápido|rápida|rapidinho|resolvido|resolveram|resolveu|funciona=0.6|funcionando=0.6|adorei|amei|gostei|recomendo|maravilh*|incrível|top|show|legal|atencioso|atenciosa|gentil|eficiente|feliz|contente",
		"neg":          "ruim|péssimo|péssima|quebrado|quebrada|danificado|danificada|defeito|estragado|não funciona|não chegou|atraso|atrasado|atrasou|demora|lento|problema=0.7|erro=0.7|travou|trava|perdido|decepcion*|infelizmente=0.6|pior|horrível|errado|errada",
		"anger":        "absurdo|revoltado|revoltada|irritado|irritada|raiva|vergonha|inaceitável|palhaçada|ladrões|golpe|furioso|furiosa|indignado|indignada",
		"frustration":  "de novo|outra vez|mais uma vez|terceira vez|várias vezes|ainda não|continuo esperando|continua sem|há semanas|semanas esperando|cansei|cansado de|cansada de|ninguém responde|sem resposta|e nada|até agora nada",
		"anxiety":      "preocupado|preocupada|preocupação|medo|ansioso|ansiosa|nervoso|nervosa|receio",
		"satisfaction": "muito obrigado=1.5|muito obrigada=1.5|obrigado|obrigada|valeu|agradeço|satisfeito|satisfeita|atendimento excelente=1.5|excelente atendimento=1.5",
		"mask":         "bom dia|boa tarde|boa noite|desde já obrigado",
		"intens":       "muito|super|tão|demais|realmente|totalmente|extremamente",
		"contrast":     "mas|porém|entretanto|contudo|no entanto",
		"negator":      "não|nao|nunca|nem|sem|nada|jamais",
	},
	"it": {
		"pos":          "buono|buona|bene|ottimo|ottima|eccellente|perfetto|perfetta|veloce|velocissim*|rapido|rapida|gentile|gentili|gentilissim*|bravissim*|bravo|brava|bravi|funziona=0.6|risolto|tutto a posto|consiglio|fantastico|splendido|contento|contenta|felice|va bene=0.2",
		"neg":          "non va bene|cattivo|male|pessimo|pessima|rotto|rotta|danneggiat*|difettoso|guasto|non funziona|non arrivato|ritardo|in ritardo|lento|problema=0.7|errore=0.7|perso|persa|deluso|delusa|purtroppo=0.6|peggio|peggiore|terribile|orribile|sbagliat*|scadente",
		"anger":        "furioso|furiosa|vergogna|inaccettabile|inammissibile|arrabbiat*|arrabbiatissim*|ladri|truffa|truffatori|indecente|schifo",
		"frustration":  "ancora una volta|di nuovo|un'altra volta|terza volta|più volte|ancora niente|ancora nessun*|ancora non|da settimane|da giorni|stufo|stufa|basta|nessuna risposta|nessuno risponde",
		"anxiety":      "preoccupat*|paura|ansia|ansios*|temo|agitat*",
		"satisfaction": "grazie mille=1.5|grazie infinite=1.5|grazie|soddisfatt*|servizio ottimo=1.5|ottimo servizio=1.5|servizio eccellente=1.5",
		"mask":         "buongiorno|buonasera|buona giornata|grazie in anticipo",
		"intens":       "molto|davvero|veramente|proprio|troppo|super|tanto|estremamente|assolutamente|così",
		"contrast":     "ma|però|tuttavia|invece",
		"negator":      "non|mai|niente|nessun|nessuna|senza|né",
	},
	"nl": {
		"pos":          "goed|prima|top|super|geweldig|uitstekend|perfect|snel|vriendelijk|behulpzaam|opgelost|werkt weer|werkt nu|blij|fijn|aanrader|fantastisch|netjes|top geregeld|werkt=0.5",
		"neg":          "slecht|kapot|beschadigd|defect|werkt niet|doet het niet|fout|verkeerd|ontbreekt|vertraging|vertraagd|te laat|traag|langzaam|probleem=0.7|problemen=0.7|teleurgesteld|teleurstellend|helaas=0.6|jammer=0.6|waardeloos|slechtste=2|zoek|kwijt|niet ontvangen|ging het mis|ging mis|anders dan",
		"anger":        "woedend|boos|schandalig|schande|belachelijk|onacceptabel|oplichting|oplichters|bespottelijk|kwaad",
		"frustration":  "alweer|weer=0.5|nog steeds|nog altijd|derde keer|zoveel keer|al weken|al dagen|elke keer|geen reactie|geen antwoord|het zat|spuugzat|beu",
		"anxiety":      "zorgen|ongerust|bang|angst|bezorgd|nerveus",
		"satisfaction": "heel erg bedankt=1.5|hartelijk dank=1.5|dank je wel=1.3|dank u wel=1.3|dankjewel=1.3|bedankt|dank je|dank u|tevreden|top service=1.5|prima service=1.5|super service=1.5",
		"mask":         "goedemorgen|goedemiddag|goedenavond|alvast bedankt",
		"intens":       "heel|erg|echt|zeer|ontzettend|enorm|zo|totaal|helemaal",
		"contrast":     "maar|echter|toch",
		"negator":      "niet|geen|nooit|zonder|niets|niks",
		"postneg":      "niet",
	},
	"ja": {
		"pos":          "良い|よい|いい|良かった|よかった|素晴らしい|すばらしい|最高|便利|早い|速い|迅速|丁寧|親切|助かり|直り|直して|解決しました|完璧|嬉しい|うれしい|安心|おすすめ|気に入",
		"neg":          "悪い|わるい|良くない|よくない|壊れ|こわれ|破損|割れ|不具合|故障|動かない|動きません|届かない|届いていません|届きません|遅い|遅れ|遅延|問題=0.7|エラー=0.7|残念|がっかり|最悪=2|違って|違う|間違|不良|不満|困って|困ります|使えない|使えません",
		"anger":        "ふざけるな=1.5|ふざけ|いい加減にして=1.5|いい加減|腹が立|腹立|むかつ|ムカつ|怒っ|怒り|許せない|ありえない|信じられない|詐欺|最低=1.5",
		"frustration":  "また=0.6|まだ|何度も|何回も|三回目|3回目|二回目|2回目|いつまで|一週間待|ずっと待|連絡がありません|連絡がない|返事がない|うんざり|いつになったら",
		"anxiety":      "心配|不安|怖い|こわい|大丈夫でしょうか|大丈夫ですか|気になって",
		"satisfaction": "ありがとうございました=1.5|ありがとうございます=1.2|ありがとう|感謝|満足|助かりました=1.3|お世話になりました",
		"mask":         "よろしくお願いします|よろしくお願いいたします|いいえ",
		"intens":       "とても|すごく|凄く|本当に|ほんとに|大変|非常に|かなり|めちゃくちゃ|めっちゃ|全く|超",
		"contrast":     "しかし|でも|けど|けれど|が、",
		"negator":      "全然|まったく",
		"postneg":      "ない|なかった|ません|ませんでした|ないです|ではない|じゃない|ではありません|していない|していません|できない|できません|くない",
	},
	"ko": {
		"pos":          "좋|훌륭|최고|빠르|빠른|빨리|친절|해결|편리|완벽|추천|괜찮|멋지|마음에 들|잘 됐",
		"neg":          "나쁘|나빠|별로=0.7|고장|깨져|깨졌|파손|불량|하자|느리|늦|지연|문제=0.7|오류|에러|안 돼|안돼|안 됐|안됐|작동 안|작동하지 않|실망|최악=2|잘못|다르게|불만",
		"anger":        "화나|화가 나|화가나|열받|짜증=0.8|어이없|말이 됩|말도 안|사기|미쳤|빡치|용납",
		"frustration":  "또=0.6|아직도|아직=0.6|몇 번|세 번째|세번째|두 번째|몇 주째|며칠째|언제까지|지겹|지쳤|답답",
		"anxiety":      "걱정|불안|무서|두려|겁나|염려",
		"satisfaction": "정말 감사합니다=1.5|감사합니다|감사해요|고맙습니다|고마워|만족",
		"mask":         "안녕하세요|안녕",
		"intens":       "너무|정말|진짜|매우|아주|엄청|완전|굉장히",
		"contrast":     "하지만|그런데|그러나|지만",
		"negator":      "안|못|별로|전혀",
		"postneg":      "지 않|지않|지 못|지못|지 마|없",
	},
	"zh": {
		"pos":          "好|很好|不错|棒|优秀|快|很快|及时|耐心|周到|热情|专业|解决了|好用|推荐|喜欢|完美|靠谱|给力|点赞",
		"neg":          "差|很差|坏|碎|破|慢|太慢|失望|问题=0.7|故障|不能用|用不了|没收到|没有收到|错|延迟|垃圾=1.5|糟糕|最差|不满|不好用",
		"anger":        "气死|生气|太过分|过分|骗子|欺骗|愤怒|气人|什么服务|恶心|无语=0.6",
		"frustration":  "又=0.6|还是没|还是不|还没|第三次|第二次|三次了|多次|好几次|好几天|好几个星期|好几个月|一直|到现在|烦死|受够|几个星期|几天了",
		"anxiety":      "担心|担忧|害怕|着急|焦虑|不安",
		"satisfaction": "非常感谢=1.5|太感谢=1.5|谢谢你们=1.3|谢谢|感谢|满意",
		"mask":         "好几|好多|好像|你好|您好|好的|不好意思|只好|最好",
		"intens":       "很|非常|太|特别|真|真的|超|极|十分",
		"contrast":     "但是|但|可是|不过|然而|却",
		"negator":      "不|不太|没|没有|不是很|并不|一点也不|不够|别|不怎么",
	},
	"ar": {
		"pos":          "جيد|ممتاز|رائع|جميل|سريع|بسرعة|مرتاح|حلو|تمام|أفضل|احسن|تم حل|حلها|مفيد|لطيف",
		"neg":          "سيء|سيئ|سيئة|مكسور|تالف|معطل|خربان|لا يعمل|ما يشتغل|متأخر|تأخر|تأخير|بطيء|مشكلة=0.7|خطأ|مختلف=0.7|للأسف=0.6|خيبة|أسوأ=2|لم يصل|ما وصل|ضايع|مفقود",
		"anger":        "غاضب|زعلان|غير مقبول|مرفوض|نصب|حرامي|حرامية|مهزلة|سخيف|قرف",
		"frustration":  "للمرة الثالثة|ثالث مرة|مرة ثانية|مرة أخرى|ما زلت|مازلت|لا يزال|لا زال|حتى الآن|منذ أسابيع|منذ أيام|مللت|زهقت|تعبت|لا يوجد رد|بدون رد|ولا رد|لا يوجد حل",
		"anxiety":      "قلق|قلقان|خائف|خايف|أخاف|خوف|متوتر|مخترق=0.6",
		"satisfaction": "شكرا جزيلا=1.5|ألف شكر=1.5|شكرا|مشكور|جزاك الله|ممتن|راض|راضي",
		"mask":         "السلام عليكم|صباح الخير|مساء الخير",
		"intens":       "جدا|كثير|للغاية|تماما|اوي|حيل",
		"contrast":     "لكن|ولكن|إلا أن",
		"negator":      "لا|ليس|لست|ليست|غير|لم|لن|ما|مش|مو|بدون",
	},
	"th": {
		"pos":          "ดี|เยี่ยม|ชอบ|เร็ว|รวดเร็ว|สะดวก|ใส่ใจ|ดูแลดี|แก้ไขให้|เรียบร้อย|สุดยอด|น่ารัก|โอเค=0.3",
		"neg":          "แย่|เสีย|พัง|แตก|ชำรุด|ช้า|ผิด|ผิดหวัง|ปัญหา=0.7|ไม่ได้รับ|ไม่ได้ของ|ใช้ไม่ได้|ไม่ทำงาน|ห่วย|ดีเลย์|ล่าช้า|หาย|แย่ที่สุด=2",
		"anger":        "โกรธ|โมโห|หัวร้อน|โกง|รับไม่ได้",
		"frustration":  "อีกแล้ว|อีกครั้ง=0.5|ยังไม่|ครั้งที่สาม|สามครั้ง|หลายครั้ง|หลายอาทิตย์|หลายวัน|รอมา|รอนาน|เบื่อ|เซ็ง|ไม่ไหว",
		"anxiety":      "กังวล|กลัว|เป็นห่วง|ไม่แน่ใจ=0.4|ตกใจ",
		"satisfaction": "ขอบคุณมาก=1.5|ขอบคุณ|พอใจ|ประทับใจ|ปลื้ม",
		"mask":         "เสียง|สวัสดี",
		"intens":       "มาก|สุดๆ|จริงๆ|ที่สุด|โคตร",
		"contrast":     "แต่|อย่างไรก็ตาม",
		"negator":      "ไม่|ไม่ค่อย|ไม่ได้|ไม่มี|ไม่เคย",
	},
	"id": {
		"pos":          "bagus|baik|mantap|mantul|keren|cepat|ramah|senang|oke=0.3|beres|terselesaikan|membantu|rekomen*|top|luar biasa|lancar|sip",
		"neg":          "jelek|buruk|rusak|pecah|cacat|salah|telat|terlambat|lambat|masalah=0.7|error=0.7|kecewa|mengecewakan|parah=1.5|hilang|belum sampai|tidak sampai|tidak sesuai|gak sesuai|nggak sesuai|tidak berfungsi|sayangnya=0.6|payah",
		"anger":        "marah|kesal|keterlaluan|kurang ajar|penipu|penipuan|brengsek|emosi",
		"frustration":  "lagi-lagi|masih belum|masih tidak|belum juga|ketiga kalinya|tiga kali|berkali-kali|berminggu-minggu|berhari-hari|sampai sekarang|capek|bosan|sudah lama|tidak ada balasan|belum ada balasan",
		"anxiety":      "khawatir|takut|cemas|was-was|gelisah|deg-degan",
		"satisfaction": "terima kasih banyak=1.5|terima kasih|terimakasih|makasih|puas|memuaskan",
		"mask":         "selamat pagi|selamat siang|selamat malam",
		"intens":       "sangat|sekali|banget|amat|sungguh|benar-benar|paling|terlalu",
		"contrast":     "tapi|tetapi|namun|meskipun|walaupun",
		"negator":      "tidak|tak|bukan|belum|gak|ga|nggak|enggak|tanpa|kurang",
	},
	"vi": {
		"pos":          "tốt|tuyệt|tuyệt vời|nhanh|nhiệt tình|chu đáo|ưng|ổn|thích|xuất sắc|chuyên nghiệp|xử lý xong|giải quyết xong|vui",
		"neg":          "tệ|kém|dở|hỏng|vỡ|lỗi=0.7|hư|chậm|trễ|sai|không đúng|thất vọng|vấn đề=0.7|không nhận được|chưa nhận được|không hoạt động|không dùng được|tệ nhất=2|tồi",
		"anger":        "tức giận|tức|bực mình|bực|quá đáng|lừa đảo|không thể chấp nhận|vô lý",
		"frustration":  "lại=0.5|lần thứ ba|lần thứ hai|nhiều lần|vẫn chưa|vẫn không|mấy tuần|mấy ngày|cả tuần|chán|mệt mỏi|chờ mãi|đợi mãi|không ai trả lời",
		"anxiety":      "lo lắng|lo=0.6|sợ|hoảng|bất an|băn khoăn|lo ngại",
		"satisfaction": "cảm ơn rất nhiều=1.5|cảm ơn nhiều=1.3|cảm ơn|cám ơn|hài lòng|ưng ý",
		"mask":         "xin chào|chào bạn|chào shop",
		"intens":       "rất|quá|lắm|cực kỳ|vô cùng|thật|thật sự|siêu|hết sức",
		"contrast":     "nhưng|tuy nhiên|mặc dù|nhưng mà",
		"negator":      "không|chẳng|chưa|đừng|ko|chả",
	},
	"tr": {
		"pos":          "iyi|iyiydi|güzel|harika|mükemmel|süper|hızlı*|çözdü*|çözüldü|çözüm=0.5|ilgili*=0.6|nazik*|beğendim|tavsiye*|başarılı|sorunsuz|muhteşem|kaliteli",
		"neg":          "kötü*|berbat*|kırık|bozuk|bozuldu|hasarlı|arızalı|arıza|çalışmıyor|gecikti|gecikme|yavaş|sorun*=0.7|problem*=0.7|hata*=0.7|yanlış|hayal kırıklığı|kayıp|gelmedi|ulaşmadı|maalesef=0.6|en kötü=2|eksik|beğenmedim|çözülmedi|yapılmadı",
		"anger":        "sinirli*|sinir*|kızgın*|öfke*|rezalet*|rezil*|kabul edilemez|saçma*|dolandırıcı*|utanç*",
		"frustration":  "yine|tekrar=0.5|hâlâ|hala=0.6|üçüncü kez|ikinci kez|defalarca|kaç kez|haftalardır|günlerdir|aylardır|bıktım|bıkt*|yeter|usandım|cevap yok|kimse cevap",
		"anxiety":      "endişe*|kork*|tedirgin*|kaygı*",
		"satisfaction": "çok teşekkür*=1.5|teşekkür*|sağol*|memnun*|eline sağlık",
		"mask":         "günaydın|iyi günler|iyi akşamlar|merhaba",
		"intens":       "çok|gerçekten|cidden|aşırı|son derece|tamamen|gayet|tam|epey",
		"contrast":     "ama|fakat|ancak|lakin",
		"negator":      "hiç|asla",
		"postneg":      "değil|değilim|değildi|değiliz|yok",
	},
	"ru": {
		"pos":          "хорош*|отлич*|прекрасн*|замечательн*|супер|класс|быстро|быстр*|вежлив*|помог*|решил*|решен*|решён*|работает=0.5|рекоменд*|понравил*|удобн*|молодц*",
		"neg":          "плох*|ужасн*|сломан*|сломал*|разбит*|брак*|дефект*|не работает|не пришёл|не пришел|задерж*|опозда*|медленн*|проблем*=0.7|ошибк*=0.7|потерял*|разочарован*|к сожалению=0.6|хуже|худш*|отвратительн*|неправильн*|не тот|не та|не то",
		"anger":        "зол|зла|злой|злюсь|в ярости|ярост*|возмутительн*|безобраз*|бесит|бесят|обман*|мошенник*|позор*|хамство|издевательство|недопустим*",
		"frustration":  "опять|снова|уже третий раз|третий раз|второй раз|в который раз|до сих пор|всё ещё|все еще|так и не|надоело|достало|устал|устала|сколько можно|несколько недель|неделями|никто не отвечает|нет ответа",
		"anxiety":      "волнуюсь|волнует|беспоко*|боюсь|страшно|тревож*|переживаю|опасаюсь",
		"satisfaction": "большое спасибо=1.5|огромное спасибо=1.5|спасибо|благодар*|доволен|довольна|довольны",
		"mask":         "добрый день|доброе утро|добрый вечер|здравствуйте",
		"intens":       "очень|так|сильно|крайне|совсем|абсолютно|просто|реально|слишком|полностью|самый",
		"contrast":     "но|однако|зато",
		"negator":      "не|нет|ни|никогда|без|ничего",
	},
}

// emoji are matched in every language. Weights are polarity; an emotion, if any, receives
// the absolute weight.
var emoji = []struct {
	r       string
	weight  float64
	emotion int // -1 for none
}{
	{"😡", -1.2, anger}, {"🤬", -1.5, anger}, {"😠", -1.2, anger}, {"👿", -1, anger},
	{"😤", -1, frustration}, {"🙄", -0.8, frustration}, {"😩", -0.8, frustration}, {"😫", -0.8, frustration}, {"😒", -0.6, frustration},
	{"😢", -0.8, frustration}, {"😭", -0.8, frustration}, {"😞", -0.7, frustration}, {"😔", -0.6, frustration}, {"👎", -1, -1}, {"💔", -0.8, -1},
	{"😟", -0.6, anxiety}, {"😰", -0.8, anxiety}, {"😨", -0.8, anxiety}, {"😱", -0.8, anxiety}, {"😥", -0.6, anxiety},
	{"🙏", 0.3, -1},
	{"😊", 0.8, satisfaction}, {"🙂", 0.5, satisfaction}, {"😀", 0.8, satisfaction}, {"😃", 0.8, satisfaction}, {"😄", 0.8, satisfaction}, {"😁", 0.8, satisfaction},
	{"😍", 1, satisfaction}, {"🥰", 1, satisfaction}, {"❤", 0.8, satisfaction}, {"👍", 0.8, satisfaction}, {"👌", 0.6, satisfaction}, {"🎉", 0.6, satisfaction}, {"💯", 0.6, satisfaction},
}
