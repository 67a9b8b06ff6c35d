package i18n

// modelMessages returns the words of the "which model is this" panel.
func modelMessages() map[string]message {
	return map[string]message{
		"model.button":    {"About this model", "关于这个模型"},
		"model.title":     {"Which model is this?", "这是哪个模型？"},
		"model.close":     {"Close", "关闭"},
		"model.name":      {"Name", "名称"},
		"model.size":      {"Size", "规模"},
		"model.sizeValue": {"{params} parameters · {layers} layers · {heads} heads · width {width} · context {ctx} tokens · vocabulary {vocab}", "{params} 个参数 · {layers} 层 · {heads} 个头 · 宽度 {width} · 上下文 {ctx} 个词元 · 词表 {vocab}"},
		"model.data":      {"Trained on", "训练数据"},
		"model.langs":     {"Languages", "语言"},
		"model.can":       {"It can", "它能做"},
		"model.cannot":    {"It cannot", "它不能做"},
		"model.unknown":   {"The explorer knows only this model's configuration; see where it came from for its training data.", "Explorer 只知道这个模型的配置；训练数据请查看它的来源。"},
		"model.gpt2":      {"Real GPT-2 (124M parameters, 12 layers, 12 heads, context 1,024, 50,257 tokens, trained on WebText) is one download away:", "真正的 GPT-2（1.24 亿参数、12 层、12 个头、上下文 1024、词表 50257，用 WebText 训练）只需下载一次："},
		"model.gpt2Steps": {"then start the explorer with", "然后这样启动 Explorer："},
	}
}
