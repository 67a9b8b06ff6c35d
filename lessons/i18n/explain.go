package i18n

// explainMessages returns the words of a heatmap cell's arithmetic, shown in
// the lesson panel when the learner clicks a cell.
func explainMessages() map[string]message {
	return map[string]message{
		"explain.title":     {"Cell: query {q} “{qtok}” → key {k} “{ktok}”", "格子：查询 {q}“{qtok}”→ 键 {k}“{ktok}”"},
		"explain.where":     {"layer {layer} · head {head} · d_k = {d}", "第 {layer} 层 · 第 {head} 个头 · d_k = {d}"},
		"explain.dot":       {"1. The dot product q·k: the {n} largest of its {d} terms", "1. 点积 q·k：{d} 项中最大的 {n} 项"},
		"explain.term":      {"term", "项"},
		"explain.dimension": {"dimension", "维度"},
		"explain.others":    {"the other {n} terms", "其余 {n} 项"},
		"explain.sum":       {"sum q·k", "总和 q·k"},
		"explain.scale":     {"2. Divide by √d_k = √{d} = {sqrt}", "2. 除以 √d_k = √{d} = {sqrt}"},
		"explain.score":     {"score", "分数"},
		"explain.trace":     {"(the trace: {v})", "（轨迹中：{v}）"},
		"explain.mask":      {"3. The causal mask", "3. 因果掩码"},
		"explain.maskKept":  {"key {k} ≤ query {q}: the query may look at it; the score stays {v}.", "键 {k} ≤ 查询 {q}：查询可以看它；分数保持 {v}。"},
		"explain.maskHid":   {"key {k} > query {q}: a future token; the score becomes −∞, and its weight 0.", "键 {k} > 查询 {q}：这是未来的词元；分数变成 −∞，权重为 0。"},
		"explain.exp":       {"4. Exponentiate (after subtracting the row's largest score {m}, which changes nothing)", "4. 取指数（先减去这一行最大的分数 {m}，结果不变）"},
		"explain.sumExp":    {"5. Divide by the sum over the row's {n} visible keys", "5. 除以这一行 {n} 个可见键的总和"},
		"explain.weight":    {"weight", "权重"},
		"explain.scaleV":    {"6. The weight scales key {k}'s value vector v, which joins the weighted sum z of query {q}", "6. 这个权重乘以键 {k} 的值向量 v，加进查询 {q} 的加权和 z"},
		"explain.vDims":     {"the first {n} of {d} dimensions", "{d} 个维度中的前 {n} 个"},
		"explain.share":     {"this key's part of z", "这个键在 z 中的份额"},
		"explain.zTotal":    {"z of query {q} (all keys)", "查询 {q} 的 z（所有键）"},
		"explain.pick":      {"Click a cell of the heatmap to see its arithmetic here.", "点击热图上的格子，这里会显示它的算式。"},
		"explain.close":     {"Back to the lesson", "回到课程"},
	}
}
