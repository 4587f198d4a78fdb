package culture_test

import (
	"fmt"

	"github.com/meridian-cs/meridian/understanding/culture"
)

func ExampleAdapt() {
	r := culture.Adapt("返金はできません。", "ja-JP")
	fmt.Println(r.Text)
	for _, rule := range r.Rules {
		fmt.Println(rule.ID)
	}
	// Output:
	// お問い合わせいただきありがとうございます。
	// 申し訳ございませんが、返金はいたしかねます。
	// 何卒よろしくお願いいたします。
	// greeting.add
	// refusal.soften
	// closing.ja.yoroshiku
}

func ExampleFitOf() {
	for _, reply := range []string{"لا.", culture.Adapt("لا.", "ar-SA").Text} {
		f := culture.FitOf(reply, "ar-SA")
		fmt.Printf("%.2f", f.Score)
		for _, issue := range f.Issues {
			fmt.Printf(" %s", issue.ID)
		}
		fmt.Println()
	}
	// Output:
	// 0.40 refusal.flat greeting.missing closing.missing
	// 1.00
}

func ExampleTemplate() {
	fmt.Println(culture.Template("looking_into_it", "de-AT"))
	fmt.Println(culture.Template("transfer_to_human", "sw-KE"))
	// Output:
	// Wir prüfen das gerade und melden uns in Kürze.
	// I'm connecting you with a member of our team now.
}
