package i18n

// traceMessages returns the page's words for trace files: opening one without
// a model, comparing two, and taking a heatmap's numbers out.
func traceMessages() map[string]message {
	return map[string]message{
		"trace.open":         {"Open a trace…", "打开轨迹文件…"},
		"trace.openTitle":    {"Show a trace file (.safetensors): one the explorer saved, or a TransformerLens cache", "显示一个轨迹文件（.safetensors）：Explorer 保存的，或 TransformerLens 的缓存"},
		"trace.drop":         {"Drop a trace file (.safetensors) to open it", "把轨迹文件（.safetensors）拖到这里即可打开"},
		"trace.opening":      {"Opening {name}…", "正在打开 {name}…"},
		"trace.opened":       {"{name}: {hooks} hooks, {tokens} tokens", "{name}：{hooks} 个钩子，{tokens} 个词元"},
		"trace.inferred":     {"the model's shape was read from the tensors", "模型的形状是从张量推断出来的"},
		"trace.ignored":      {"{n} tensors the explorer does not know were skipped", "跳过了 {n} 个 Explorer 不认识的张量"},
		"trace.positions":    {"the file does not name its tokens, so positions stand for them", "文件没有给出词元，所以用位置代替"},
		"trace.failed":       {"{name} could not be opened: {err}", "无法打开 {name}：{err}"},
		"trace.tooBig":       {"{name} is larger than the {mb} MB this explorer opens.", "{name} 超过了 Explorer 能打开的 {mb} MB。"},
		"trace.source":       {"{name} · {layers} layers · {heads} heads · opened from a file", "{name} · {layers} 层 · {heads} 个头 · 从文件打开"},
		"trace.noModel":      {"Running prompts needs a model: start the explorer with --model to run your own.", "运行提示词需要模型：启动 Explorer 时加上 --model，就能运行你自己的提示词。"},
		"trace.noGenerate":   {"This trace was opened from a file, which holds no model weights: generating the next token needs them.", "这份轨迹是从文件打开的，文件里没有模型权重，而生成下一个词元需要权重。"},
		"trace.missingHook":  {"This trace does not hold {hook}, which shows this step.", "这份轨迹里没有 {hook}，而这一步要用它来显示。"},
		"trace.compare":      {"Compare with…", "与另一份比较…"},
		"trace.compareTitle": {"Open a second trace of the same prompt to compare it with this one", "再打开一份同一提示词的轨迹，与这一份比较"},
		"trace.uncompare":    {"Stop comparing", "停止比较"},

		"compare.a":       {"A: {name}", "A：{name}"},
		"compare.b":       {"B: {name}", "B：{name}"},
		"compare.diff":    {"difference B − A", "差值 B − A"},
		"compare.max":     {"largest |B − A| in this hook: {max} at {at} (A {a}, B {b}), tolerance {tol}", "这个钩子里最大的 |B − A|：{max}，位置 {at}（A 为 {a}，B 为 {b}），容差 {tol}"},
		"compare.equal":   {"every value of this hook is the same in A and B", "这个钩子的每个值在 A 和 B 中都相同"},
		"compare.problem": {"A and B cannot be compared here: {problem}", "这里无法比较 A 和 B：{problem}"},
		"compare.missing": {"B does not hold {hook}", "B 里没有 {hook}"},
		"compare.summary": {"Comparing with {name}: {n} hooks compared, {failed} differ by more than {tol}", "正在与 {name} 比较：比较了 {n} 个钩子，其中 {failed} 个的差超过 {tol}"},

		"export.copy":       {"Copy CSV", "复制 CSV"},
		"export.csv":        {"Download CSV", "下载 CSV"},
		"export.npy":        {"Download .npy", "下载 .npy"},
		"export.title":      {"These numbers exactly, with the row and column labels", "就是这些数，带行列标签"},
		"export.copied":     {"Copied {rows} × {cols} numbers", "已复制 {rows} × {cols} 个数"},
		"export.copyFailed": {"Could not copy: {err}", "复制失败：{err}"},
	}
}
