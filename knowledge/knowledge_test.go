package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meridian-cs/meridian/knowledge"
	"github.com/meridian-cs/meridian/knowledge/knowledgetest"
)

// corpus is a small multilingual knowledge base in which each language has more than one
// topic, so that finding the right one is a ranking, not the only article there.
var corpus = []knowledge.Article{
	{ID: "returns-en", Language: "en", Title: "Returns and refunds", Body: "You can return any item within 30 days. Refunds are paid to the original payment method.", Tags: []string{"returns"}},
	{ID: "shipping-en", Language: "en", Title: "Shipping times", Body: "Orders ship within 2 business days. Delivery takes 3 to 5 days.", Tags: []string{"shipping"}},
	// The German returns article says "Rücksendung" only in the singular, so a query in the
	// plural finds it only through stemming.
	{ID: "returns-de", Language: "de", Title: "Zurückschicken und Erstattung", Body: "Eine Rücksendung ist innerhalb von 30 Tagen kostenlos. Die Erstattung erfolgt auf das ursprüngliche Zahlungsmittel.", TranslationOf: "returns-en"},
	{ID: "shipping-de", Language: "de", Title: "Versand und Lieferzeiten", Body: "Bestellungen werden innerhalb von 2 Werktagen versandt. Die Lieferung dauert 3 bis 5 Tage.", TranslationOf: "shipping-en"},
	{ID: "warranty-de", Language: "de", Title: "Garantie", Body: "Alle Geräte haben zwei Jahre Garantie. Defekte Geräte tauschen wir aus.", Tags: []string{"garantie"}},
	{ID: "returns-ja", Language: "ja", Title: "返品と返金について", Body: "商品到着後30日以内であれば返品できます。返金は元のお支払い方法に行います。", TranslationOf: "returns-en"},
	{ID: "shipping-ja", Language: "ja", Title: "配送について", Body: "ご注文は2営業日以内に発送します。お届けまで3〜5日かかります。", TranslationOf: "shipping-en"},
	{ID: "returns-zh", Language: "zh", Title: "退货和退款政策", Body: "收到商品后30天内可以退货。退款将退回原支付方式。", TranslationOf: "returns-en"},
	// Articles with the characters of 退货 (return goods) and 返品 (returned item) apart, in
	// other words: a search by single characters finds them, one by words or bigrams not.
	{ID: "account-zh", Language: "zh", Title: "账户与货币设置", Body: "如何退出账户，以及更改显示的货币。"},
	{ID: "stock-ja", Language: "ja", Title: "お問い合わせと在庫", Body: "ご質問への返信は24時間以内です。商品の在庫はページで確認できます。"},
	{ID: "shipping-zh", Language: "zh", Title: "配送时间", Body: "订单在2个工作日内发货，送达需要3至5天。", TranslationOf: "shipping-en"},
	{ID: "returns-ar", Language: "ar", Title: "الإرجاع واسترداد المبلغ", Body: "يمكنك إرجاع أي منتج خلال ٣٠ يومًا. يُعاد المبلغ إلى وسيلة الدفع الأصلية.", TranslationOf: "returns-en"},
	{ID: "shipping-ar", Language: "ar", Title: "الشحن ومدة التوصيل", Body: "نشحن الطلبات خلال يومي عمل، ويستغرق التوصيل من ٣ إلى ٥ أيام.", TranslationOf: "shipping-en"},
	{ID: "returns-th", Language: "th", Title: "การคืนสินค้าและการคืนเงิน", Body: "คุณสามารถคืนสินค้าได้ภายใน 30 วัน เงินจะคืนเข้าช่องทางการชำระเงินเดิม", TranslationOf: "returns-en"},
	{ID: "shipping-th", Language: "th", Title: "การจัดส่ง", Body: "เราจัดส่งคำสั่งซื้อภายใน 2 วันทำการ การจัดส่งใช้เวลา 3 ถึง 5 วัน", TranslationOf: "shipping-en"},
}

func loaded(t *testing.T) (*knowledge.Base, *knowledgetest.Store) {
	t.Helper()
	store := knowledgetest.NewStore()
	b := knowledge.New(store)
	for _, a := range corpus {
		if _, err := b.Upsert(context.Background(), "acme", a); err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
	}
	return b, store
}

func TestSearchFindsTheRightArticleInEachLanguage(t *testing.T) {
	b, _ := loaded(t)
	for _, c := range []struct {
		why, language, query, want string
	}{
		{"English stemming: refunded/refund, returning/return", "en", "can I get my order refunded after returning it", "returns-en"},
		{"German stemming: Rücksendungen finds Rücksendung", "de", "Rücksendungen", "returns-de"},
		{"German: Lieferzeit", "de", "Wie lange dauert die Lieferung?", "shipping-de"},
		{"Japanese segmentation: 返品 inside a sentence", "ja", "返品したいのですが", "returns-ja"},
		{"Japanese: 配送", "ja", "配送にどのくらいかかりますか", "shipping-ja"},
		{"Chinese segmentation: 退货 inside a sentence", "zh", "我想退货怎么办", "returns-zh"},
		{"Chinese: 发货", "zh", "什么时候发货", "shipping-zh"},
		{"Arabic normalisation: ارجاع without hamza, with the article", "ar", "كيف يتم الارجاع", "returns-ar"},
		{"Arabic: التوصيل", "ar", "كم مدة توصيل الطلب", "shipping-ar"},
		{"Thai segmentation: คืนสินค้า in a sentence", "th", "ฉันต้องการคืนสินค้า", "returns-th"},
		{"Thai: จัดส่ง", "th", "จัดส่งกี่วัน", "shipping-th"},
	} {
		hits, err := b.Search(context.Background(), "acme", c.language, c.query, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Article.ID != c.want {
			t.Errorf("%s: %q found %v, want %s first", c.why, c.query, ids(hits), c.want)
			continue
		}
		for _, h := range hits {
			if h.Article.Language != c.language {
				t.Errorf("%s: a search in %s found %s (%s)", c.why, c.language, h.Article.ID, h.Article.Language)
			}
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Errorf("%s: hits not ranked by score: %v", c.why, hits)
			}
		}
	}
}

func TestChineseAndJapaneseMatchWordsNotScatteredCharacters(t *testing.T) {
	b, _ := loaded(t)
	for lang, q := range map[string]string{"zh": "退货", "ja": "返品"} {
		hits, err := b.Search(context.Background(), "acme", lang, q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if want := "returns-" + lang; !slices.Equal(ids(hits), []string{want}) {
			t.Errorf("%s %q found %v, want only %s (not the article with its characters apart)", lang, q, ids(hits), want)
		}
	}
}

func TestGermanPluralDoesNotMatchWithoutItsLanguagesAnalysis(t *testing.T) {
	// The control for the stemming case above: the same word analysed as a language without
	// a stemmer does not find the singular, so the test above proves the German analyzer.
	store := knowledgetest.NewStore()
	b := knowledge.New(store)
	a := corpus[2]
	a.Language, a.TranslationOf = "eo", "" // Esperanto: the plain analyzer
	if _, err := b.Upsert(context.Background(), "acme", a); err != nil {
		t.Fatal(err)
	}
	if hits, _ := b.Search(context.Background(), "acme", "eo", "Rücksendungen", 5); len(hits) != 0 {
		t.Fatalf("found %v without stemming", ids(hits))
	}
	if hits, _ := b.Search(context.Background(), "acme", "eo", "Rücksendung", 5); len(hits) != 1 {
		t.Fatalf("the exact word found %v", ids(hits))
	}
}

func TestSearchWithoutALanguageSearchesEveryLanguage(t *testing.T) {
	b, _ := loaded(t)
	for q, want := range map[string]string{"Rücksendungen": "returns-de", "退货": "returns-zh", "返品": "returns-ja", "refunds": "returns-en"} {
		hits, err := b.Search(context.Background(), "acme", "", q, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || hits[0].Article.ID != want {
			t.Errorf("%q found %v, want %s first", q, ids(hits), want)
		}
	}
	if hits, _ := b.Search(context.Background(), "acme", "", "   ", 3); len(hits) != 0 {
		t.Errorf("a blank query found %v", ids(hits))
	}
	if hits, _ := b.Search(context.Background(), "other", "", "refunds", 3); len(hits) != 0 {
		t.Errorf("another tenant found %v", ids(hits))
	}
}

func TestALongQuestionIsCutNotRefused(t *testing.T) {
	b, _ := loaded(t)
	q := "refund " + strings.Repeat("ä", 10<<10)
	hits, err := b.Search(context.Background(), "acme", "en", q, 3)
	if err != nil || len(hits) == 0 || hits[0].Article.ID != "returns-en" {
		t.Fatalf("10 KB question: %v %v", ids(hits), err)
	}
}

func TestWritesUpdateTheIndexAndReachOtherBases(t *testing.T) {
	ctx := context.Background()
	b, store := loaded(t)
	other := knowledge.New(store) // another server over the same database
	if hits, _ := other.Search(ctx, "acme", "en", "warranty", 3); len(hits) != 0 {
		t.Fatalf("before the article: %v", ids(hits))
	}
	if _, err := b.Upsert(ctx, "acme", knowledge.Article{ID: "warranty-en", Language: "en-GB", Title: "Warranty", Body: "Two years of warranty on every device.", Tags: []string{"Warranty", "warranty "}}); err != nil {
		t.Fatal(err)
	}
	for name, base := range map[string]*knowledge.Base{"the writer": b, "another base": other} {
		hits, err := base.Search(ctx, "acme", "en", "warranty", 3)
		if err != nil || len(hits) != 1 || hits[0].Article.ID != "warranty-en" {
			t.Fatalf("%s after the upsert: %v %v", name, ids(hits), err)
		}
		if a := hits[0].Article; a.Language != "en" || !slices.Equal(a.Tags, []string{"warranty"}) {
			t.Fatalf("not normalised: %+v", a)
		}
	}
	// A replaced article is found by its new text only.
	if _, err := other.Upsert(ctx, "acme", knowledge.Article{ID: "warranty-en", Language: "en", Title: "Guarantee", Body: "Devices are guaranteed."}); err != nil {
		t.Fatal(err)
	}
	if hits, _ := b.Search(ctx, "acme", "en", "warranty", 3); len(hits) != 0 {
		t.Fatalf("old text still found: %v", ids(hits))
	}
	if hits, _ := b.Search(ctx, "acme", "en", "guaranteed", 3); len(hits) != 1 {
		t.Fatalf("new text not found: %v", ids(hits))
	}
	// Deleting the original keeps its translations, unlinked.
	if ok, err := b.Delete(ctx, "acme", "returns-en"); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if ok, err := b.Delete(ctx, "acme", "returns-en"); ok || err != nil {
		t.Fatalf("second delete: %v %v", ok, err)
	}
	for name, base := range map[string]*knowledge.Base{"the writer": b, "another base": other} {
		if hits, _ := base.Search(ctx, "acme", "en", "refunds", 3); len(hits) != 0 {
			t.Fatalf("%s finds a deleted article: %v", name, ids(hits))
		}
		de, err := base.Articles(ctx, "acme", "de")
		if err != nil || len(de) != 3 {
			t.Fatalf("%s: German articles %v %v", name, de, err)
		}
		if de[0].ID != "returns-de" || de[0].TranslationOf != "" {
			t.Fatalf("%s: the translation of the deleted article: %+v", name, de[0])
		}
	}
	all, _ := b.Articles(ctx, "acme", "")
	if len(all) != len(corpus) { // one deleted, one added
		t.Fatalf("%d articles", len(all))
	}
}

func TestInvalidArticlesNameTheFieldAndChangeNothing(t *testing.T) {
	ctx := context.Background()
	b, store := loaded(t)
	rev, _ := store.ArticlesRevision(ctx, "acme")
	ok := knowledge.Article{ID: "x", Language: "en", Title: "T", Body: "B"}
	for field, edit := range map[string]func(*knowledge.Article){
		"id":            func(a *knowledge.Article) { a.ID = "has space" },
		"language":      func(a *knowledge.Article) { a.Language = "jp" },
		"title":         func(a *knowledge.Article) { a.Title = " " },
		"body":          func(a *knowledge.Article) { a.Body = "nul\x00" },
		"tags":          func(a *knowledge.Article) { a.Tags = []string{strings.Repeat("t", 65)} },
		"product":       func(a *knowledge.Article) { a.Product = "two\nlines" },
		"translationOf": func(a *knowledge.Article) { a.TranslationOf = "x" },
	} {
		a := ok
		edit(&a)
		_, err := b.Upsert(ctx, "acme", a)
		var fe *knowledge.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: got %v", field, err)
		}
	}
	if _, err := b.Upsert(ctx, "acme", knowledge.Article{ID: "y", Language: "en", Title: "T", Body: "B", TranslationOf: "missing"}); err == nil {
		t.Error("a translation of a missing article was stored")
	}
	if now, _ := store.ArticlesRevision(ctx, "acme"); now != rev {
		t.Fatalf("refused writes moved the revision %d → %d", rev, now)
	}
}

func ids(hits []knowledge.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Article.ID
	}
	return out
}

func TestConcurrentWritesAndSearchesEndWithEveryArticleFound(t *testing.T) {
	ctx := context.Background()
	store := knowledgetest.NewStore()
	one, two := knowledge.New(store), knowledge.New(store)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			base := []*knowledge.Base{one, two}[w%2]
			for i := range 20 {
				a := knowledge.Article{ID: fmt.Sprintf("a%d-%d", w, i), Language: "en", Title: fmt.Sprintf("widget%d", w), Body: "Refunds and returns."}
				if _, err := base.Upsert(ctx, "acme", a); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := one.Search(ctx, "acme", "en", "refund", 5); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, base := range []*knowledge.Base{one, two} {
		for w := range 4 {
			hits, err := base.Search(ctx, "acme", "en", fmt.Sprintf("widget%d", w), knowledge.MaxLimit)
			if err != nil || len(hits) != 20 {
				t.Fatalf("widget%d: %d hits, %v", w, len(hits), err)
			}
		}
	}
}
