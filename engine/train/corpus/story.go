package corpus

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// A pair is one sentence template, or one sentence, in English and in
// Chinese. The two say the same thing, each the way that language says it.
type pair struct{ en, zh string }

// An episode is one part of a story's middle.
type episode int

const (
	epLose   episode = iota // the object is lost and the friend gets it back
	epSong                  // the hero teaches the friend the chant
	epTrade                 // the friend shows an object too; they share
	epRain                  // rain; they hide under a tree
	epWind                  // a big wind; the hero holds on to the object
	epLost                  // sad: the object is lost for good
	epParted                // sad: the friend moves away
	epGame                  // a memory game (GameStory)
)

// happyEpisodes can follow the meeting in any order.
var happyEpisodes = []episode{epLose, epSong, epTrade, epRain, epWind}

// sad reports whether e makes the story end sadly.
func (e episode) sad() bool { return e == epLost || e == epParted }

// A tale is one story drawn from the grammar: its cast, its sentences in
// both languages, and its episodes in order (the meeting and any game not
// counted), from which questions and summaries are made.
type tale struct {
	c        cast
	en, zh   *strings.Replacer
	sents    []pair
	episodes []episode
	game     *pair // the memory game's word sequence, if any
}

// say draws one of the template pairs with r, fills it in both languages
// and adds it to the tale.
func (t *tale) say(r *rand.Rand, choices ...pair) {
	p := one(r, choices)
	t.sents = append(t.sents, pair{t.en.Replace(p.en), t.zh.Replace(p.zh)})
}

// text returns the tale told in one language: English sentences are
// separated by spaces, Chinese ones are not.
func (t *tale) text(l Lang) string {
	var b strings.Builder
	for i, s := range t.sents {
		if l == Chinese {
			b.WriteString(s.zh)
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.en)
	}
	return b.String()
}

// tellOptions shape a tale.
type tellOptions struct {
	episodes int     // middle episodes after the meeting
	game     bool    // a memory game after the meeting
	sadShare float64 // chance that the last episode is a sad one
	// short leaves out the sentences that only add colour (the hero's
	// love of the object, the greetings, the moral), so that a one-episode
	// tale and its task lines fit the default model's context.
	short bool
}

// tell draws a tale with r.
func tell(r *rand.Rand, o tellOptions) *tale {
	t := &tale{c: newCast(r)}
	t.en, t.zh = t.c.fields()
	t.episodes = chooseEpisodes(r, o)
	opening(r, t, o.short && !slices.Contains(t.episodes, epSong))
	meet(r, t, o.short)
	if o.game {
		memoryGame(r, t)
	}
	for _, e := range t.episodes {
		episodes[e](r, t)
	}
	sad := t.episodes[len(t.episodes)-1].sad()
	switch {
	case sad && o.short:
		t.say(r, pair{"{H} was sad for a long time. The end.", "{H}难过了很久很久。故事讲完了。"})
	case sad:
		sadEnding(r, t)
	case o.short:
		t.say(r, pair{"{H} and {F} were very happy. The end.", "{H}和{F}都非常开心。故事讲完了。"})
	default:
		ending(r, t)
	}
	return t
}

// chooseEpisodes draws the episodes after the meeting.
func chooseEpisodes(r *rand.Rand, o tellOptions) []episode {
	eps := append([]episode(nil), happyEpisodes...)
	r.Shuffle(len(eps), func(i, j int) { eps[i], eps[j] = eps[j], eps[i] })
	if o.sadShare > 0 && r.Float64() < o.sadShare {
		last := one(r, []episode{epLost, epParted})
		if last == epLost {
			// An object lost for good was not lost and found before.
			eps = slices.DeleteFunc(eps, func(e episode) bool { return e == epLose })
		}
		eps = append(eps[:o.episodes-1], last)
	} else {
		eps = eps[:o.episodes]
	}
	return eps
}

var episodes = map[episode]func(*rand.Rand, *tale){
	epLose: lose, epSong: song, epTrade: trade, epRain: rain, epWind: wind,
	epLost: lost, epParted: parted,
}

// opening introduces the hero, the object and (unless noChant) the chant.
func opening(r *rand.Rand, t *tale, noChant bool) {
	t.say(r,
		pair{"Once upon a time, there was {who} named {H}.", "从前，有{who}，名叫{H}。"},
		pair{"Once upon a time, in a little {home}, there lived {who} named {H}.", "从前，在一个{home}，住着{who}，名叫{H}。"},
		pair{"Once upon a time, {who} named {H} lived near the {place}.", "从前，有{who}叫{H}，住在{place}附近。"},
		pair{"Once upon a time, there was {who}. {His} name was {H}.", "从前有{who}，{他}叫{H}。"},
	)
	t.say(r, pair{"{H} had {thing}.", "{H}有{thing}。"})
	if noChant {
		return
	}
	t.say(r,
		pair{"{He} loved the {col} {obj} very much.", "{他}非常喜欢这{cl}{col}的{obj}。"},
		pair{"{He} took the {col} {obj} everywhere {he} went.", "不管去哪里，{他}都带着这{cl}{col}的{obj}。"},
		pair{"The {col} {obj} was {his} favorite thing in the whole world.", "{col}的{obj}是{他}在这个世界上最喜欢的东西。"},
	)
	t.say(r,
		pair{"Every morning, {H} liked to sing, \"{chant}\"", "每天早上，{H}都喜欢唱：“{chant}”"},
		pair{"When {H} was happy, {he} would say, \"{chant}\"", "{H}高兴的时候，就会说：“{chant}”"},
		pair{"{H} had a little song: \"{chant}\"", "{H}有一首小小的歌：“{chant}”"},
	)
}

// meet brings in the friend; short leaves out the dialogue.
func meet(r *rand.Rand, t *tale, short bool) {
	t.say(r,
		pair{"One day, {H} went to the {place} with the {col} {obj}.", "有一天，{H}带着{col}的{obj}去了{place}。"},
		pair{"One sunny day, {H} took {his} {obj} to the {place}.", "一个晴朗的日子，{H}把{他}的{obj}带到了{place}。"},
	)
	t.say(r, pair{"At the {place}, {H} met {F}, {fwho}.", "在{place}，{H}遇见了{F}，{F}是{fwho}。"})
	if short {
		t.say(r, pair{"So {H} and {F} played with the {col} {obj} at the {place}.", "于是，{H}和{F}在{place}玩起了{col}的{obj}。"})
		return
	}
	t.say(r,
		pair{"\"Hello, {H}!\" said {F}.", "“你好，{H}！”{F}说。"},
		pair{"{F} waved and said, \"Hi, {H}!\"", "{F}挥挥手说：“嗨，{H}！”"},
	)
	t.say(r,
		pair{"\"What a nice {obj}! Can I play with your {obj}?\"", "“多好看的{obj}啊！我可以玩玩你的{obj}吗？”"},
		pair{"\"I like your {col} {obj}. May I play too?\"", "“我喜欢你的{col}{obj}。我也可以一起玩吗？”"},
	)
	t.say(r,
		pair{"{H} said, \"Yes, {F}. We can play together.\"", "{H}说：“好呀，{F}。我们一起玩吧。”"},
		pair{"{H} smiled and said, \"Yes, you can, {F}. Let us play with the {obj} together.\"", "{H}笑着说：“当然可以，{F}。我们一起玩{obj}吧。”"},
	)
	t.say(r, pair{"So {H} and {F} played with the {col} {obj} at the {place}.", "于是，{H}和{F}在{place}玩起了{col}的{obj}。"})
}

func lose(r *rand.Rand, t *tale) {
	fall(r, t)
	t.say(r, pair{"{H} was very sad. \"My {obj}! My {col} {obj}!\" {he} cried.", "{H}非常难过。“我的{obj}！我的{col}{obj}！”{他}哭着说。"})
	t.say(r, pair{"{F} said, \"Do not be sad, {H}. I will help you.\"", "{F}说：“别难过，{H}。我来帮你。”"})
	t.say(r, pair{"{F} {help} and got the {col} {obj} back.", "{F}{help}，把{col}的{obj}拿了回来。"})
	t.say(r,
		pair{"{H} hugged {F}. \"Thank you, {F}! You are a good friend.\"", "{H}抱住了{F}。“谢谢你，{F}！你真是我的好朋友。”"},
		pair{"\"Thank you, {F},\" said {H}. \"You found my {obj}!\"", "“谢谢你，{F}，”{H}说，“你找到了我的{obj}！”"},
	)
}

func fall(r *rand.Rand, t *tale) {
	t.say(r,
		pair{"But then, the {obj} fell into {hazard}.", "可是，{obj}{hzv}{hazard}。"},
		pair{"Then, oh no! The {col} {obj} fell into {hazard}.", "哎呀，不好了！{col}的{obj}{hzv}{hazard}。"},
	)
}

func lost(r *rand.Rand, t *tale) {
	fall(r, t)
	t.say(r, pair{"{H} and {F} looked and looked, but they could not find it.", "{H}和{F}找了又找，可是怎么也找不到。"})
	t.say(r, pair{"The {col} {obj} was gone.", "{col}的{obj}不见了。"})
	t.say(r, pair{"{H} cried and cried. \"My {obj}! I will never see it again!\"", "{H}哭了又哭。“我的{obj}！我再也见不到它了！”"})
}

func parted(r *rand.Rand, t *tale) {
	t.say(r, pair{"One evening, {F} came to see {H} with bad news.", "一天傍晚，{F}带着一个坏消息来找{H}。"})
	t.say(r, pair{"\"My family is moving far away,\" said {F}. \"I cannot come to the {place} any more.\"", "“我家要搬到很远的地方去了，”{F}说，“我再也不能来{place}了。”"})
	t.say(r, pair{"{H} was very sad. {He} held the {col} {obj} and cried.", "{H}非常难过。{他}抱着{col}的{obj}哭了。"})
	t.say(r, pair{"The next day, {F} was gone.", "第二天，{F}就走了。"})
}

func song(r *rand.Rand, t *tale) {
	t.say(r,
		pair{"Then {H} taught {F} {his} little song.", "然后，{H}教{F}唱{他}的小歌。"},
		pair{"After that, {H} wanted to sing {his} song for {F}.", "后来，{H}想给{F}唱{他}的歌。"},
	)
	t.say(r, pair{"{H} sang, \"{chant}\"", "{H}唱道：“{chant}”"})
	t.say(r, pair{"{F} laughed and sang it too: \"{chant}\"", "{F}笑了，也跟着唱：“{chant}”"})
	t.say(r,
		pair{"They sang it again and again.", "他们唱了一遍又一遍。"},
		pair{"They sang it all the way home.", "他们一路唱着回了家。"},
	)
}

func trade(r *rand.Rand, t *tale) {
	t.say(r, pair{"{F} had something too. It was {thing2}.", "{F}也有一样东西。那是{thing2}。"})
	t.say(r, pair{"\"Do you want to play with my {obj2}?\" asked {F}.", "“你想玩我的{obj2}吗？”{F}问。"})
	t.say(r,
		pair{"{H} played with the {col2} {obj2}, and {F} played with the {col} {obj}.", "{H}玩{col2}的{obj2}，{F}玩{col}的{obj}。"},
		pair{"So {H} took the {col2} {obj2}, and {F} took the {col} {obj}.", "于是{H}拿了{col2}的{obj2}，{F}拿了{col}的{obj}。"},
	)
	t.say(r, pair{"Sharing was fun. Now they had a {obj} and a {obj2} to play with.", "分享真有趣。现在他们有{obj}和{obj2}可以玩了。"})
}

func rain(r *rand.Rand, t *tale) {
	t.say(r, pair{"Then the sky got dark, and it began to rain.", "这时，天黑了下来，开始下雨了。"})
	t.say(r, pair{"\"Quick, {F}! Let us hide under the big tree,\" said {H}.", "“快，{F}！我们到大树下面躲一躲，”{H}说。"})
	t.say(r, pair{"{H} held the {col} {obj} close so it would not get wet.", "{H}紧紧抱着{col}的{obj}，不让它被淋湿。"})
	t.say(r, pair{"Soon the rain stopped and the sun came out again.", "很快，雨停了，太阳又出来了。"})
}

func wind(r *rand.Rand, t *tale) {
	t.say(r, pair{"Then a big wind came to the {place}.", "这时，{place}刮起了大风。"})
	t.say(r, pair{"The wind blew and blew. {H} held on to the {col} {obj}.", "风呼呼地吹个不停。{H}紧紧抓住{col}的{obj}。"})
	t.say(r, pair{"\"Hold on, {H}!\" said {F}.", "“抓紧了，{H}！”{F}说。"})
	t.say(r, pair{"Soon the wind was gone, and the {place} was calm again.", "很快，风停了，{place}又安静了下来。"})
}

func ending(r *rand.Rand, t *tale) {
	t.say(r, pair{"{H} and {F} were very happy.", "{H}和{F}都非常开心。"})
	t.say(r,
		pair{"From that day on, {H} and {F} played at the {place} every day.", "从那天起，{H}和{F}每天都在{place}一起玩。"},
		pair{"After that day, {H} and {F} were best friends.", "从那以后，{H}和{F}成了最好的朋友。"},
		pair{"Every day after that, they played with the {col} {obj} together.", "从那以后，他们每天都一起玩{col}的{obj}。"},
	)
	t.say(r,
		pair{"{H} learned that it is good to share with friends.", "{H}明白了，和朋友分享是一件好事。"},
		pair{"{H} learned that friends help each other.", "{H}明白了，朋友之间要互相帮助。"},
		pair{"And {H} still sings, \"{chant}\"", "直到现在，{H}还常常唱：“{chant}”"},
	)
	t.say(r, pair{"The end.", "故事讲完了。"})
}

func sadEnding(r *rand.Rand, t *tale) {
	t.say(r,
		pair{"{H} was sad for a long time.", "{H}难过了很久很久。"},
		pair{"That night, {H} could not sleep.", "那天晚上，{H}怎么也睡不着。"},
	)
	t.say(r,
		pair{"{He} did not sing {his} song any more.", "{他}再也不唱{他}的歌了。"},
		pair{"The {place} was quiet and empty.", "{place}变得又安静又冷清。"},
	)
	t.say(r, pair{"The end.", "故事讲完了。"})
}

// memoryGame adds a game after the meeting: the hero says 10–30 words
// drawn at random from all the word lists and invented names, and the
// friend repeats them.
func memoryGame(r *rand.Rand, t *tale) {
	n := 10 + r.IntN(21)
	en, zh := make([]string, n), make([]string, n)
	for i := range n {
		var w word
		switch k := r.IntN(8); k {
		case 0:
			nm := inventName(r, r.IntN(2) == 0)
			w = word{nm.en, nm.zh}
		case 1:
			nm := one(r, names)
			w = word{nm.en, nm.zh}
		case 2:
			kd := one(r, kinds)
			w = word{kd.en, kd.zh}
		case 3:
			w = one(r, adjectives)
			w.zh = strings.TrimSuffix(w.zh, "的")
		case 4:
			w = one(r, colors)
		case 5:
			o := one(r, objects)
			w = word{o.en, o.zh}
		default:
			w = one(r, places)
		}
		en[i], zh[i] = w.en, w.zh
	}
	code := pair{strings.Join(en, " "), strings.Join(zh, "、")}
	t.game = &code
	t.sents = append(t.sents,
		pair{t.en.Replace("Then {H} said, \"Let us play a memory game. Listen: ") + code.en + ".\"",
			t.zh.Replace("然后{H}说：“我们来玩记忆游戏吧。听好了：") + code.zh + "。”"},
		pair{t.en.Replace("{F} thought hard and said it back: \"") + code.en + ".\"",
			t.zh.Replace("{F}认真想了想，把它说了一遍：“") + code.zh + "。”"},
	)
	t.say(r,
		pair{"\"Well done, {F}!\" said {H}.", "“真棒，{F}！”{H}说。"},
		pair{"\"You remembered it all!\" said {H}.", "“你全都记住了！”{H}说。"},
	)
}
