package urgency

import "testing"

func TestSmoke(t *testing.T) {
	for _, s := range []string{"this is urgent", "not urgent at all", "The charger caught fire!", "thanks!", "至急お願いします", "急ぎではありません", "不着急", "ليس عاجل", "ไม่ด่วน", "your fire-resistant kettle is great", "this product is fire!"} {
		t.Log(s, Assess(s, Context{}))
	}
}
