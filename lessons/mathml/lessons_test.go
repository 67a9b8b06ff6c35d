package mathml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// lessonFormulas are formulas of the kind the GPT-2 lessons use.
var lessonFormulas = []string{
	// Tokens and embeddings.
	`x_t \in \{0, 1, \ldots, V-1\}`,
	`h_0 = W_E[x] + W_P`,
	`W_E \in \mathbb{R}^{V \times d_{\text{model}}}`,
	`E = \begin{bmatrix} e_0^\top \\ e_1^\top \\ \vdots \\ e_{V-1}^\top \end{bmatrix}`,
	`\mathbf{x}_t = \mathbf{e}_{x_t} + \mathbf{p}_t`,
	// Attention.
	`\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j} e^{z_j}}`,
	`Q = XW_Q,\quad K = XW_K,\quad V = XW_V`,
	`\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}} + M\right)V`,
	`M_{ij} = \begin{cases} 0 & j \le i \\ -\infty & j > i \end{cases}`,
	`A_{ij} = \frac{\exp(q_i \cdot k_j / \sqrt{d_k})}{\sum_{j' \le i} \exp(q_i \cdot k_{j'} / \sqrt{d_k})}`,
	`o_i = \sum_{j=1}^{i} A_{ij} v_j`,
	`\mathrm{MultiHead}(X) = \mathrm{Concat}(\mathrm{head}_1, \ldots, \mathrm{head}_H)\,W_O`,
	`\mathrm{head}_h = \mathrm{Attention}(XW_Q^{(h)}, XW_K^{(h)}, XW_V^{(h)})`,
	`d_k = d_{\text{model}} / H = 768 / 12 = 64`,
	`\left\langle q, k \right\rangle = \sum_{c=1}^{d_k} q_c k_c`,
	`\operatorname{softmax}(z + c) = \operatorname{softmax}(z)`,
	// MLP and GELU.
	`\mathrm{GELU}(x) = \tfrac{1}{2}x\left(1+\tanh\left[\sqrt{2/\pi}\,(x+0.044715x^3)\right]\right)`,
	`\mathrm{GELU}(x) = x\,\Phi(x) \approx \frac{x}{2}\left(1 + \tanh\left(\sqrt{\frac{2}{\pi}}\left(x + 0.044715\,x^{3}\right)\right)\right)`,
	`\mathrm{MLP}(x) = W_2\,\mathrm{GELU}(W_1 x + b_1) + b_2`,
	`W_1 \in \mathbb{R}^{d \times 4d},\; W_2 \in \mathbb{R}^{4d \times d}`,
	// LayerNorm and the residual stream.
	`\mathrm{LN}(x) = \gamma \odot \frac{x-\mu}{\sqrt{\sigma^2+\epsilon}} + \beta`,
	`\mu = \frac{1}{d}\sum_{i=1}^{d} x_i, \qquad \sigma^2 = \frac{1}{d}\sum_{i=1}^{d} (x_i - \mu)^2`,
	`\epsilon = 10^{-5}`,
	`\hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}`,
	`h_{l+1} = h_l + \mathrm{Attn}(\mathrm{LN}_1(h_l)) + \mathrm{MLP}(\mathrm{LN}_2(h_l + \mathrm{Attn}(\mathrm{LN}_1(h_l))))`,
	`\begin{aligned} h' &= h + \mathrm{Attn}(\mathrm{LN}(h)) \\ h'' &= h' + \mathrm{MLP}(\mathrm{LN}(h')) \end{aligned}`,
	// Logits, sampling.
	`\mathrm{logits} = \mathrm{LN}_f(h_L)\,W_E^\top \in \mathbb{R}^{T \times V}`,
	`p_i \propto \exp(z_i / \tau)`,
	`p_i = \frac{\exp(z_i/\tau)}{\sum_j \exp(z_j/\tau)}`,
	`\tau \to 0 \Rightarrow \arg\max_i z_i`,
	`\hat{y} = \argmax_{k} p_k`,
	`\mathcal{V}_k = \operatorname*{top-k}(p)`,
	`\sum_{i \in \mathcal{V}_p} p_i \ge p, \quad |\mathcal{V}_p| \text{ minimal}`,
	`p'_i = \begin{cases} p_i / Z & i \in S \\ 0 & \text{otherwise} \end{cases}`,
	`x_{t+1} \sim \mathrm{Categorical}(p)`,
	// Loss and training.
	`\mathcal{L} = -\frac{1}{T-1}\sum_{t=0}^{T-2} \log p_\theta(x_{t+1}\mid x_{\le t})`,
	`\mathcal{L}(\theta) = -\mathbb{E}_{x \sim \mathcal{D}}\left[\log p_\theta(x)\right]`,
	`\frac{\partial \mathcal{L}}{\partial z_i} = p_i - \mathbb{1}[i = y]`,
	`\theta \leftarrow \theta - \eta \nabla_\theta \mathcal{L}`,
	`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
	`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`,
	`\hat{m}_t = \frac{m_t}{1-\beta_1^t}, \quad \hat{v}_t = \frac{v_t}{1-\beta_2^t}`,
	`\theta_t = \theta_{t-1} - \eta\left(\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} + \lambda\theta_{t-1}\right)`,
	`\eta = 6 \times 10^{-4}, \; \beta_1 = 0.9, \; \beta_2 = 0.95, \; \lambda = 0.1`,
	`\|g\|_2 = \sqrt{\sum_i g_i^2} \le 1.0`,
	`\mathrm{PPL} = e^{\mathcal{L}}`,
	// Parameter counts and FLOPs.
	`N \approx 12\,L\,d_{\text{model}}^2`,
	`N = 12 \cdot 12 \cdot 768^2 \approx 85\text{M}`,
	`C \approx 6ND`,
	`2N \text{ FLOPs per token}`,
	`\underbrace{V d}_{\text{embeddings}} + \underbrace{12 L d^2}_{\text{blocks}}`,
	`\text{FLOPs} \approx 2N + 2 n_{\text{layer}} n_{\text{ctx}} d_{\text{attn}}`,
	`1.5\times10^{-5}`,
	`124\,439\,808 \approx 1.24 \times 10^{8}`,
	// Miscellany.
	`f\colon \mathbb{R}^n \to \mathbb{R}^m, \quad x \mapsto Wx + b`,
	`\forall i \; \exists j : a_{ij} \ne 0`,
	`\begin{pmatrix} a & b \\ c & d \end{pmatrix}^{-1} = \frac{1}{ad-bc}\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}`,
	`\det\begin{vmatrix} a & b \\ c & d \end{vmatrix} = ad - bc`,
	`\sqrt[n]{x} \cdot x^{1/n} \ne \bar{x} \pm \tilde{x} \mp \vec{v} \div \dot{x}`,
	`a \approx b \sim c \equiv d \propto e, \; A \subset B, \; x \notin C, \; \emptyset`,
	`\ell_2, \; \int_0^\infty e^{-x}\,dx = 1, \; \prod_{i=1}^n x_i`,
	`\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e`,
	`x_1, x_2, \cdots, x_n \quad \ddots \quad \vdots`,
	`\Gamma, \Delta, \Theta, \Lambda, \Xi, \Pi, \Sigma, \Upsilon, \Phi, \Psi, \Omega`,
	`\alpha\beta\gamma\delta\zeta\eta\theta\iota\kappa\lambda\mu\nu\xi\pi\rho\sigma\tau\upsilon\phi\chi\psi\omega`,
	`\mathsf{A}\mathit{b}\mathbf{C}\boldsymbol{\theta}\mathcal{D}\mathbb{Z}\mathrm{e}`,
	`\{a, b\} \cup \{c\} = \{a, b, c\}, \; 50\%, \; \_ \; \& \; \$ \; \#`,
	`a \leftarrow b \Rightarrow c \iff d, \; x \times y`,
	`\left. \frac{df}{dx} \right|_{x=0}`,
	`\Bigl( \sum_i x_i \Bigr)^2 \big\| v \big\|`,
	`f'(x) = \lim_{h \to 0} \frac{f(x+h)-f(x)}{h}`,
	`\overline{x+y} \ne \overline{x} + \overline{y}`,
	`\binom{n}{k} = \frac{n!}{k!\,(n-k)!}`,
	`\text{if } x < 0 \text{ then } {-x} \text{ else } x`,
	`a \overset{\text{def}}{=} b, \quad \underset{i}{\operatorname{mean}} x_i`,
	`\begin{array}{l|r} \text{layer} & \text{params} \\ \text{attn} & 4d^2 \\ \text{mlp} & 8d^2 \end{array}`,
}

// xmlNode is a parsed XML element, for checking the structure of output.
type xmlNode struct {
	name  xml.Name
	attrs []xml.Attr
	text  string
	kids  []*xmlNode
}

// parseXML parses s with encoding/xml and returns its root element.
func parseXML(s string) (*xmlNode, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tok.Name, attrs: tok.Attr}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.kids = append(top.kids, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				return nil, errors.New("text outside the root element")
			}
			stack[len(stack)-1].text += string(tok)
		default:
			return nil, fmt.Errorf("unexpected XML token %T", tok)
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

const mathNS = "http://www.w3.org/1998/Math/MathML"

// arity gives the number of children required by MathML elements that
// take a fixed number of arguments.
var arity = map[string]int{
	"mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2,
	"msubsup": 3, "munderover": 3,
}

var tokenElements = map[string]bool{"mi": true, "mn": true, "mo": true, "mtext": true, "mspace": true, "annotation": true}

var layoutElements = map[string]bool{
	"mrow": true, "mstyle": true, "msqrt": true, "mtable": true, "mtr": true, "mtd": true,
	"semantics": true,
}

// checkMathML parses out and checks that it is a MathML <math> element
// whose annotation holds tex and whose elements are used with the right
// number of children.
func checkMathML(tex, out string) error {
	root, err := parseXML(out)
	if err != nil {
		return fmt.Errorf("not well-formed XML: %v", err)
	}
	if root.name.Local != "math" || root.name.Space != mathNS {
		return fmt.Errorf("root element is %v, want math in %s", root.name, mathNS)
	}
	if len(root.kids) != 1 || root.kids[0].name.Local != "semantics" {
		return errors.New("math must hold exactly one semantics element")
	}
	sem := root.kids[0]
	if len(sem.kids) != 2 || sem.kids[0].name.Local != "mrow" || sem.kids[1].name.Local != "annotation" {
		return errors.New("semantics must hold an mrow and an annotation")
	}
	ann := sem.kids[1]
	if len(ann.attrs) != 1 || ann.attrs[0].Name.Local != "encoding" || ann.attrs[0].Value != "application/x-tex" {
		return fmt.Errorf("annotation attributes %v", ann.attrs)
	}
	if ann.text != tex {
		return fmt.Errorf("annotation = %q, want the source %q", ann.text, tex)
	}
	return checkElement(sem.kids[0])
}

func checkElement(n *xmlNode) error {
	name := n.name.Local
	if n.name.Space != mathNS {
		return fmt.Errorf("element %v outside the MathML namespace", n.name)
	}
	switch {
	case tokenElements[name]:
		if len(n.kids) > 0 {
			return fmt.Errorf("token element %s has child elements", name)
		}
		return nil
	case layoutElements[name]:
	case arity[name] > 0:
		if len(n.kids) != arity[name] {
			return fmt.Errorf("%s has %d children, want %d", name, len(n.kids), arity[name])
		}
	default:
		return fmt.Errorf("unexpected element %s", name)
	}
	if strings.TrimSpace(n.text) != "" {
		return fmt.Errorf("layout element %s holds text %q", name, n.text)
	}
	if name == "mtable" || name == "mtr" {
		want := map[string]string{"mtable": "mtr", "mtr": "mtd"}[name]
		for _, k := range n.kids {
			if k.name.Local != want {
				return fmt.Errorf("%s holds %s, want %s", name, k.name.Local, want)
			}
		}
	}
	for _, k := range n.kids {
		if err := checkElement(k); err != nil {
			return err
		}
	}
	return nil
}

func TestLessonFormulas(t *testing.T) {
	for _, tex := range lessonFormulas {
		for _, display := range []bool{false, true} {
			out, err := Convert(tex, display)
			if err != nil {
				t.Errorf("Convert(%q, %v) error: %v", tex, display, err)
				continue
			}
			if err := checkMathML(tex, out); err != nil {
				t.Errorf("Convert(%q, %v): %v\n%s", tex, display, err, out)
			}
		}
	}
}

// TestHandWrittenWellFormed runs the structural check over the exact
// cases too, so the checker itself is exercised on known-good markup.
func TestHandWrittenWellFormed(t *testing.T) {
	for _, tt := range convertTests {
		if err := checkMathML(tt.tex, wrap(tt.tex, tt.want, tt.display)); err != nil {
			t.Errorf("expected markup for %q: %v", tt.tex, err)
		}
	}
}

func TestCheckMathMLRejects(t *testing.T) {
	for _, bad := range []string{
		`<math xmlns="` + mathNS + `"><semantics><mrow><mfrac><mi>a</mi></mfrac></mrow><annotation encoding="application/x-tex">x</annotation></semantics></math>`,
		`<math xmlns="` + mathNS + `"><semantics><mrow><mi>a</mrow></mi><annotation encoding="application/x-tex">x</annotation></semantics></math>`,
		`<math xmlns="` + mathNS + `"><semantics><mrow><mi>a</mi></mrow><annotation encoding="application/x-tex">y</annotation></semantics></math>`,
		`<math><semantics><mrow></mrow><annotation encoding="application/x-tex">x</annotation></semantics></math>`,
	} {
		if err := checkMathML("x", bad); err == nil {
			t.Errorf("checkMathML accepted %s", bad)
		}
	}
}
