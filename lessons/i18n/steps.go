package i18n

// stepMessages name the kinds of step: "step.KIND" is the title,
// "short.KIND" the label on the timeline.
func stepMessages() map[string]message {
	return map[string]message{
		"step.inLayer": {"Layer {layer} · {name}", "第 {layer} 层 · {name}"},

		"step.tokenize":     {"Tokenize", "分词"},
		"step.embed":        {"Token embedding", "词元嵌入"},
		"step.pos_embed":    {"Add positions", "加上位置"},
		"step.ln1":          {"LayerNorm 1", "层归一化 1"},
		"step.qkv":          {"Queries, keys, values", "查询、键、值"},
		"step.scores":       {"Attention scores", "注意力分数"},
		"step.mask":         {"Causal mask", "因果掩码"},
		"step.softmax":      {"Softmax", "Softmax"},
		"step.weighted_sum": {"Weighted sum of values", "值的加权和"},
		"step.attn_out":     {"Output projection", "输出投影"},
		"step.resid_mid":    {"Residual add (attention)", "残差相加（注意力）"},
		"step.ln2":          {"LayerNorm 2", "层归一化 2"},
		"step.mlp":          {"Feed-forward network", "前馈网络"},
		"step.resid_post":   {"Residual add (MLP)", "残差相加（MLP）"},
		"step.ln_final":     {"Final LayerNorm", "最终层归一化"},
		"step.logits":       {"Logits", "Logits"},
		"step.probs":        {"Next-token probabilities", "下一个词元的概率"},
		"step.sample":       {"Pick the next token", "选出下一个词元"},

		"short.tokenize":     {"Tokens", "分词"},
		"short.embed":        {"Embed", "嵌入"},
		"short.pos_embed":    {"+Pos", "+位置"},
		"short.ln1":          {"LN1", "归一化1"},
		"short.qkv":          {"QKV", "QKV"},
		"short.scores":       {"Scores", "分数"},
		"short.mask":         {"Mask", "掩码"},
		"short.softmax":      {"Softmax", "Softmax"},
		"short.weighted_sum": {"ΣAV", "加权和"},
		"short.attn_out":     {"Proj", "投影"},
		"short.resid_mid":    {"+Attn", "+注意力"},
		"short.ln2":          {"LN2", "归一化2"},
		"short.mlp":          {"MLP", "MLP"},
		"short.resid_post":   {"+MLP", "+MLP"},
		"short.ln_final":     {"LN final", "最终归一化"},
		"short.logits":       {"Logits", "Logits"},
		"short.probs":        {"Probs", "概率"},
		"short.sample":       {"Pick", "选词"},
	}
}
