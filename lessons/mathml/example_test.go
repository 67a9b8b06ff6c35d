package mathml_test

import (
	"errors"
	"fmt"

	"github.com/transformer-explorer/explorer/lessons/mathml"
)

func ExampleConvert() {
	out, err := mathml.Convert(`\sqrt{d_k}`, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)
	// Output:
	// <math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><msqrt><msub><mi>d</mi><mi>k</mi></msub></msqrt></mrow><annotation encoding="application/x-tex">\sqrt{d_k}</annotation></semantics></math>
}

func ExampleConvert_display() {
	out, _ := mathml.Convert(`\sum_{i=1}^{n} x_i`, true)
	fmt.Println(out)
	// Output:
	// <math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><semantics><mrow><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover><msub><mi>x</mi><mi>i</mi></msub></mrow><annotation encoding="application/x-tex">\sum_{i=1}^{n} x_i</annotation></semantics></math>
}

func ExampleError() {
	_, err := mathml.Convert(`\frac{1}{2} + \softmax(z)`, false)
	var e *mathml.Error
	if errors.As(err, &e) {
		fmt.Println(e.Offset)
		fmt.Println(err)
	}
	// Output:
	// 14
	// mathml: offset 14: unknown command \softmax
}
