package corpus

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// The markers of the task formats. Lessons and presets write prompts
// against them, so they do not change.
const (
	QuestionEn  = "Q:"         // an English question about the story
	AnswerEn    = "A:"         // its answer, on the same line
	QuestionZh  = "问："         // a Chinese question
	AnswerZh    = "答："         // its answer, on the same line
	SummaryEn   = "TL;DR:"     // a one-line English summary follows
	SummaryZh   = "总结："        // a one-line Chinese summary follows
	EnglishMark = "English:"   // an English sentence of a translation pair
	ChineseMark = "中文："        // the Chinese sentence of a translation pair
	SentimentEn = "Sentiment:" // the label of the fine-tuning set: happy or sad
	SentimentZh = "情感："        // its Chinese label: 开心 or 难过
)

// The labels of the sentiment set.
var (
	labelHappy = pair{"happy", "开心"}
	labelSad   = pair{"sad", "难过"}
)

// An Example is one task item of a document: the text before the
// answer, which ends with the task's marker, and the answer the document
// gives. Prompt + Answer is a prefix of the document, and the answer ends
// at the end of its line. English answers begin with a space (the
// document has "A: red"), Chinese ones do not ("答：红色").
type Example struct {
	Part   Part
	Lang   Lang // the language of the answer
	Prompt string
	Answer string
	// Facts are the names and words a summary must mention (the two
	// characters, the place and what happened's object or song); empty
	// for the other parts.
	Facts []string
}

// A document is the text of one document and the task items in it.
type document struct {
	text     string
	examples []Example
}

// lines builds a document line by line, noting each task item.
type lines struct {
	b        strings.Builder
	examples []Example
}

// text appends s as it is.
func (d *lines) text(s string) { d.b.WriteString(s) }

// item appends a task line: the marker, then the answer and a newline,
// recording an Example whose prompt is everything up to the marker.
func (d *lines) item(part Part, l Lang, before, answer string, facts ...string) {
	d.b.WriteString(before)
	d.examples = append(d.examples, Example{Part: part, Lang: l, Prompt: d.b.String(), Answer: answer, Facts: facts})
	d.b.WriteString(answer)
	d.b.WriteByte('\n')
}

func (d *lines) document() document {
	return document{text: strings.TrimRight(d.b.String(), "\n"), examples: d.examples}
}

// A question is a question about a tale with its answer, in both
// languages (templates filled by the tale's fields).
type question struct{ q, a pair }

// questions returns the questions the tale answers.
func (t *tale) questions() []question {
	c := t.c
	qs := []question{
		{pair{"What colour was {H}'s {obj}?", "{H}的{obj}是什么颜色？"}, pair{"{col}", "{col}"}},
		{pair{"What did {H} have?", "{H}有什么？"}, pair{"{thing}", "{thing}"}},
		{pair{"Who did {H} meet at the {place}?", "{H}在{place}遇见了谁？"}, pair{"{F}", "{F}"}},
		{pair{"Where did {H} meet {F}?", "{H}在哪里遇见了{F}？"}, pair{"at the {place}", "在{place}"}},
	}
	if c.friend.kind.animal {
		qs = append(qs, question{pair{"What kind of animal was {F}?", "{F}是什么动物？"}, pair{"a {fkind}", "{fkind}"}})
	} else {
		qs = append(qs, question{pair{"Was {F} a boy or a girl?", "{F}是男孩还是女孩？"}, pair{"a {fkind}", "{fkind}"}})
	}
	if c.hero.kind != c.friend.kind || c.hero.adj != c.friend.adj {
		qs = append(qs, question{pair{"What was the name of the {hadj} {hkind}?", "那{hcl}{hadj}{hkind}叫什么名字？"}, pair{"{H}", "{H}"}})
	}
	for _, e := range t.episodes {
		switch e {
		case epLose, epLost:
			qs = append(qs, question{pair{"Where did the {obj} fall?", "{col}的{obj}掉到哪里去了？"}, pair{"into {hazard}", "{hazard}"}})
			if e == epLose {
				qs = append(qs, question{pair{"Who got the {obj} back?", "谁把{obj}拿了回来？"}, pair{"{F}", "{F}"}})
			}
		case epTrade:
			qs = append(qs, question{pair{"What did {F} have?", "{F}有什么？"}, pair{"{thing2}", "{thing2}"}})
		case epSong:
			qs = append(qs, question{pair{"What did {H} sing?", "{H}唱了什么？"}, pair{"{chant}", "{chant}"}})
		case epRain:
			qs = append(qs, question{pair{"Where did they hide from the rain?", "他们在哪里躲雨？"}, pair{"under the big tree", "大树下面"}})
		case epWind:
			qs = append(qs, question{pair{"What did {H} hold on to in the wind?", "刮大风的时候，{H}紧紧抓住了什么？"}, pair{"the {col} {obj}", "{col}的{obj}"}})
		case epParted:
			qs = append(qs, question{pair{"Where did {F}'s family move?", "{F}家搬到哪里去了？"}, pair{"far away", "很远的地方"}})
		}
	}
	return qs
}

// qaDocument is a short story followed by three questions about it, each
// with its answer on the same line:
//
//	Q: What colour was Lily's hat? A: red
//	问：莉莉的帽子是什么颜色？答：红色
func qaDocument(r *rand.Rand, l Lang) document {
	t := tell(r, tellOptions{episodes: 1, sadShare: 0.15, short: true})
	var d lines
	d.text(t.text(l) + "\n")
	qs := t.questions()
	r.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	for _, q := range qs[:3] {
		if l == Chinese {
			d.item(QA, l, QuestionZh+t.zh.Replace(q.q.zh)+AnswerZh, t.zh.Replace(q.a.zh))
		} else {
			d.item(QA, l, QuestionEn+" "+t.en.Replace(q.q.en)+" "+AnswerEn, " "+t.en.Replace(q.a.en))
		}
	}
	return d.document()
}

// summary returns the one-line summary of a short tale and the facts it
// mentions.
func (t *tale) summary(l Lang) (string, []string) {
	c := t.c
	var clause pair
	facts := pair{c.object.en, c.object.zh}
	switch t.episodes[0] {
	case epLose:
		clause = pair{"{F} got {his} {col} {obj} back from {hazard}", "{F}帮{他}找回了{col}的{obj}"}
	case epLost:
		clause = pair{"{his} {col} {obj} fell into {hazard} and was never found", "{他}的{col}{obj}{hzv}{hazard}，再也找不到了"}
	case epSong:
		clause = pair{"{H} taught {F} {his} song", "{H}教{F}唱了{他}的歌"}
		facts = pair{"song", "歌"}
	case epTrade:
		clause = pair{"they shared the {col} {obj} and the {col2} {obj2}", "他们一起分享了{col}的{obj}和{col2}的{obj2}"}
	case epRain:
		clause = pair{"they hid from the rain under a big tree", "他们在大树下面躲了雨"}
		facts = pair{"rain", "雨"}
	case epWind:
		clause = pair{"{H} held on to {his} {col} {obj} in a big wind", "大风吹来时，{H}紧紧抓住了{他}的{col}{obj}"}
	case epParted:
		clause = pair{"then {F} moved far away", "后来{F}搬到了很远的地方"}
		facts = pair{"far away", "很远"}
	}
	if l == Chinese {
		s := t.zh.Replace("{H}在{place}遇见了{F}，" + clause.zh + "。")
		return s, []string{c.hero.name.zh, c.friend.name.zh, c.place.zh, facts.zh}
	}
	s := t.en.Replace("{H} met {F} at the {place}, and " + clause.en + ".")
	return s, []string{c.hero.name.en, c.friend.name.en, c.place.en, facts.en}
}

// summaryDocument is a short story and a one-line summary:
//
//	TL;DR: Lily met Tom at the park, and Tom got her red hat back from the pond.
//	总结：莉莉在公园遇见了汤姆，汤姆帮她找回了红色的帽子。
func summaryDocument(r *rand.Rand, l Lang) document {
	t := tell(r, tellOptions{episodes: 1, sadShare: 0.15, short: true})
	var d lines
	d.text(t.text(l) + "\n")
	s, facts := t.summary(l)
	if l == Chinese {
		d.item(Summary, l, SummaryZh, s, facts...)
	} else {
		d.item(Summary, l, SummaryEn, " "+s, facts...)
	}
	return d.document()
}

// translationDocument is four to six sentences of one story, each on a
// line with its translation, in either direction:
//
//	English: Lily had a red hat. 中文：莉莉有一顶红色的帽子。
//	中文：莉莉有一顶红色的帽子。 English: Lily had a red hat.
func translationDocument(r *rand.Rand) document {
	t := tell(r, tellOptions{episodes: 1 + r.IntN(2), sadShare: 0.15})
	n := 4 + r.IntN(3)
	picked := r.Perm(len(t.sents))[:n]
	slices.Sort(picked)
	var d lines
	for _, i := range picked {
		s := t.sents[i]
		if r.IntN(2) == 0 {
			d.item(Translation, Chinese, EnglishMark+" "+s.en+" "+ChineseMark, s.zh)
		} else {
			d.item(Translation, English, ChineseMark+s.zh+" "+EnglishMark, " "+s.en)
		}
	}
	return d.document()
}

// sentimentDocument is a short story, happy or sad with equal chance,
// and its label: the labelled set of supervised fine-tuning.
//
//	Sentiment: happy
//	情感：难过
func sentimentDocument(r *rand.Rand, l Lang) document {
	t := tell(r, tellOptions{episodes: 1, sadShare: 0.5, short: true})
	label := labelHappy
	if t.episodes[0].sad() {
		label = labelSad
	}
	var d lines
	d.text(t.text(l) + "\n")
	if l == Chinese {
		d.item(Sentiment, l, SentimentZh, label.zh)
	} else {
		d.item(Sentiment, l, SentimentEn, " "+label.en)
	}
	return d.document()
}
