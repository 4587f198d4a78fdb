package commerce_test

import (
	"fmt"

	"github.com/meridian-cs/meridian/commerce"
)

func ExampleOrderNumbers() {
	fmt.Println(commerce.OrderNumbers("Where is my order #1234?"))
	fmt.Println(commerce.OrderNumbers("Meine Bestellung Nr. 000000123 vom 12.03.2026"))
	fmt.Println(commerce.OrderNumbers("注文番号は１２３４５です"))
	fmt.Println(commerce.OrderNumbers("I ordered 3 shirts on 2026-05-01"))
	// Output:
	// [1234]
	// [000000123]
	// [12345]
	// []
}

func ExampleVisible() {
	o := commerce.Order{Number: "1001", Email: "anna@example.de", Phone: "0151 12345678", Country: "DE"}
	fmt.Println(commerce.Visible(o, commerce.Customer{Phone: "+4915112345678"}))
	fmt.Println(commerce.Visible(o, commerce.Customer{Email: "bruno@example.it"}))
	// Output:
	// true
	// false
}
