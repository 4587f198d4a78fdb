package knowledge_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/meridian-cs/meridian/examples/kb"
	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/knowledge/knowledgetest"
)

var demoTopics = []string{"shipping", "returns", "warranty", "payment-methods", "product-care"}

// The demo's knowledge base reads, covers every topic in every language with translations
// linked to their English original, and answers customers' questions in each language with
// the right topic first.
func TestTheDemoKnowledgeBaseAnswersQuestionsInEachLanguage(t *testing.T) {
	ctx := context.Background()
	files, err := knowledge.ReadDir(kb.Files, ".")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]knowledge.Article{}
	for _, f := range files {
		byID[f.Article.ID] = f.Article
	}
	langs := map[string]bool{}
	for _, a := range byID {
		langs[a.Language] = true
		topic, lang, _ := strings.Cut(a.ID, "-"+a.Language)
		if lang != "" || !slices.Contains(demoTopics, topic) {
			t.Errorf("%s: ids are <topic>-<language>", a.ID)
		}
		if a.Language == "en" {
			if a.TranslationOf != "" {
				t.Errorf("%s: the English articles are the originals", a.ID)
			}
		} else if a.TranslationOf != topic+"-en" {
			t.Errorf("%s: translation_of %q, want %s-en", a.ID, a.TranslationOf, topic)
		}
	}
	for _, l := range []string{"en", "de", "fr", "es", "ja", "zh", "th", "ar", "id"} {
		if !langs[l] {
			t.Errorf("no articles in %s", l)
		}
		for _, topic := range demoTopics {
			if _, ok := byID[topic+"-"+l]; !ok {
				t.Errorf("no %s article in %s", topic, l)
			}
		}
	}
	// Loaded in ReadDir's order, every translation finds its original (the store checks).
	b := knowledge.New(knowledgetest.NewStore())
	for _, f := range files {
		if _, err := b.Upsert(ctx, "demo", f.Article); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
	}
	questions := map[string]map[string]string{
		"en": {"How do I send back the rice cooker for a refund?": "returns", "Where is my parcel? The tracking has not moved": "shipping",
			"Can I pay with Klarna?": "payment-methods", "My coffee machine is defective, can you repair it?": "warranty", "How often should I descale the kettle?": "product-care"},
		"de": {"Wie funktionieren Rücksendungen?": "returns", "Wo ist mein Paket? Die Sendungsverfolgung zeigt nichts": "shipping",
			"Kann ich auf Rechnung bezahlen?": "payment-methods", "Mein Wasserkocher ist defekt, gilt die Garantie?": "warranty", "Wie entkalke ich die Kaffeemaschine?": "product-care"},
		"fr": {"Comment retourner mon aspirateur et être remboursé ?": "returns", "Mon colis n'est pas arrivé, où en est la livraison ?": "shipping",
			"Puis-je payer en 3 fois ?": "payment-methods", "Ma bouilloire est en panne, est-elle sous garantie ?": "warranty", "Comment détartrer la machine à café ?": "product-care"},
		"es": {"¿Cómo hago una devolución?": "returns", "¿Cuándo llega mi envío?": "shipping",
			"¿Puedo pagar con Bizum?": "payment-methods", "Mi cafetera tiene una avería, ¿está en garantía?": "warranty", "¿Cómo limpio el filtro del deshumidificador?": "product-care"},
		"ja": {"返品したいのですが、どうすればいいですか": "returns", "荷物はいつ届きますか": "shipping",
			"コンビニ払いはできますか": "payment-methods", "炊飯器が故障しました。保証で修理できますか": "warranty", "除湿機のお手入れ方法を教えてください": "product-care"},
		"zh": {"我想退货怎么办": "returns", "我的快递什么时候到": "shipping",
			"可以用支付宝付款吗": "payment-methods", "咖啡机坏了，可以保修吗": "warranty", "电热水壶怎么除垢": "product-care"},
		"th": {"ต้องการคืนสินค้า ต้องทำอย่างไร": "returns", "พัสดุจะมาถึงเมื่อไหร่": "shipping",
			"จ่ายด้วยพร้อมเพย์ได้ไหม": "payment-methods", "เครื่องเสีย อยู่ในประกันไหม": "warranty", "เครื่องลดความชื้นมีเชื้อรา ทำความสะอาดอย่างไร": "product-care"},
		"ar": {"كيف ارجع المنتج واسترد المبلغ؟": "returns", "متى يصل الشحن؟": "shipping",
			"هل يمكن الدفع عند الاستلام؟": "payment-methods", "الجهاز فيه عطل، هل يشمله الضمان؟": "warranty", "كيف انظف فلتر منقي الهواء؟": "product-care"},
		"id": {"Bagaimana cara retur barang?": "returns", "Kapan paket saya tiba? Mau lacak resi": "shipping",
			"Bisa bayar pakai GoPay?": "payment-methods", "Blender saya rusak, apakah masih garansi?": "warranty", "Cara membersihkan kerak di ketel listrik": "product-care"},
	}
	for _, lang := range slices.Sorted(maps.Keys(questions)) {
		for q, topic := range questions[lang] {
			hits, err := b.Search(ctx, "demo", lang, q, 3)
			if err != nil {
				t.Fatal(err)
			}
			if want := topic + "-" + lang; len(hits) == 0 || hits[0].Article.ID != want {
				t.Errorf("%s %q: %v, want %s first", lang, q, ids(hits), want)
			}
		}
	}
}
