package lessons

import "strconv"

// uiText holds the words the renderer adds around lesson text, per language.
var uiText = map[string]map[string]string{
	"en": {
		"params":         "Numbers from %s · layer %d · head %d · query position %d %s · key position %d %s",
		"jump":           "Jump to this step in the explorer: %s",
		"stepRef":        "In the explorer, this is the step %s",
		"pos":            "position",
		"token":          "token",
		"vocab":          "vocabulary string",
		"next":           "next token",
		"partOf":         "Showing %d × %d of %d × %d.",
		"lensRow":        "residual stream",
		"lensEnter":      "entering block %d",
		"lensOut":        "after the last block",
		"top1":           "top guess",
		"top2":           "second guess",
		"context":        "token",
		"actualNext":     "actual next token",
		"meanLoss":       "mean loss (the training objective)",
		"runPrompt":      "Run this prompt",
		"yourAnswer":     "Your answer:",
		"tol":            "(accepted within ±%s)",
		"exact":          "(give the exact number)",
		"check":          "Check",
		"showAnswer":     "Answer",
		"answerIs":       "The trace gives %s.",
		"right":          "Right.",
		"wrong":          "Not quite.",
		"notNumber":      "Please enter a number, e.g. 0.25.",
		"na":             "Not available for this prompt (it needs more tokens).",
		"headCol":        "head",
		"plot_attention": "Attention pattern of layer %d, head %d: queries down, keys across.",
		"plot_scores":    "Scaled scores of layer %d, head %d, before the softmax.",
		"plot_qkv":       "Queries, keys and values of layer %d, head %d.",
		"plot_heads":     "Every head of layer %d.",
		"plot_model":     "Every head of every layer.",
		"plot_logits":    "Most likely next tokens.",
		"plot_lens":      "The logit lens: the top token of each layer at each position.",
		"plot_loss":      "Loss of each next token along the prompt.",
		"topKey":         "key it weights most",
		"onKey":          "weight on key %d",
	},
	"zh": {
		"params":         "数值来自 %s · 第 %d 层 · 第 %d 个头 · 查询位置 %d %s · 键位置 %d %s",
		"jump":           "在 Explorer 中跳到这一步：%s",
		"stepRef":        "在 Explorer 中，这一步是：%s",
		"pos":            "位置",
		"token":          "词元",
		"vocab":          "词表字符串",
		"next":           "下一个词元",
		"partOf":         "显示 %d × %d，共 %d × %d。",
		"lensRow":        "残差流",
		"lensEnter":      "进入第 %d 块",
		"lensOut":        "最后一块之后",
		"top1":           "首选",
		"top2":           "次选",
		"context":        "词元",
		"actualNext":     "实际的下一个词元",
		"meanLoss":       "平均损失（训练目标）",
		"runPrompt":      "运行这个提示词",
		"yourAnswer":     "你的答案：",
		"tol":            "（误差在 ±%s 以内算对）",
		"exact":          "（请给出准确的数）",
		"check":          "检查",
		"showAnswer":     "答案",
		"answerIs":       "轨迹中的值是 %s。",
		"right":          "答对了。",
		"wrong":          "还差一点。",
		"notNumber":      "请输入一个数，例如 0.25。",
		"na":             "这个提示词没有这个值（需要更多词元）。",
		"headCol":        "头",
		"plot_attention": "第 %d 层第 %d 个头的注意力模式：行是查询，列是键。",
		"plot_scores":    "第 %d 层第 %d 个头在 softmax 之前的缩放分数。",
		"plot_qkv":       "第 %d 层第 %d 个头的查询、键和值。",
		"plot_heads":     "第 %d 层的全部注意力头。",
		"plot_model":     "所有层的所有注意力头。",
		"plot_logits":    "最可能的下一个词元。",
		"plot_lens":      "logit 透镜：每一层在每个位置的首选词元。",
		"plot_loss":      "提示词中每个位置的下一个词元损失。",
		"topKey":         "权重最大的键",
		"onKey":          "在键 %d 上的权重",
	},
}

// kindNames names the kinds of step, per language.
var kindNames = map[string]map[string]string{
	"en": {
		"tokenize": "Tokenize", "embed": "Token embedding", "pos_embed": "Add positions",
		"ln1": "LayerNorm 1", "qkv": "Queries, keys, values", "scores": "Attention scores",
		"mask": "Causal mask", "softmax": "Softmax", "weighted_sum": "Weighted sum of values",
		"attn_out": "Output projection", "resid_mid": "Residual add (attention)", "ln2": "LayerNorm 2",
		"mlp": "Feed-forward network", "resid_post": "Residual add (MLP)", "ln_final": "Final LayerNorm",
		"logits": "Logits", "probs": "Next-token probabilities", "sample": "Pick the next token",
	},
	"zh": {
		"tokenize": "分词", "embed": "词元嵌入", "pos_embed": "加上位置", "ln1": "层归一化 1",
		"qkv": "查询、键、值", "scores": "注意力分数", "mask": "因果掩码", "softmax": "Softmax",
		"weighted_sum": "值的加权和", "attn_out": "输出投影", "resid_mid": "残差相加（注意力）",
		"ln2": "层归一化 2", "mlp": "前馈网络", "resid_post": "残差相加（MLP）", "ln_final": "最终层归一化",
		"logits": "Logits", "probs": "下一个词元的概率", "sample": "选出下一个词元",
	},
}

func (r *renderer) ui(key string) string {
	if s, ok := uiText[r.lang][key]; ok {
		return s
	}
	return uiText["en"][key]
}

// kindName names a step kind in the layer being shown, e.g. "Layer 0 ·
// Attention scores".
func (r *renderer) kindName(kind string) string {
	name := kindNames[r.lang][kind]
	if name == "" {
		name = kindNames["en"][kind]
	}
	if !blockKind(kind) {
		return name
	}
	if r.lang == "zh" {
		return "第 " + strconv.Itoa(r.env.layer) + " 层 · " + name
	}
	return "Layer " + strconv.Itoa(r.env.layer) + " · " + name
}
