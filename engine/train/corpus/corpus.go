package corpus

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

// Separator is the line written between stories: GPT-2's end-of-text
// marker, which the trainer turns into the end-of-text token.
const Separator = "<|endoftext|>"

// DefaultStories is the number of stories Generate writes by default.
const DefaultStories = 20000

// Options configures Generate. The zero value of a field means its default.
type Options struct {
	Stories int    // number of stories; default DefaultStories
	Seed    uint64 // seed of the generator; 0 is a valid seed
	// Games adds a memory game to every story: one character says a
	// random sequence of words and the other repeats it (see GameStory).
	Games bool
}

// ErrOptions is wrapped by the error Generate returns for invalid Options.
var ErrOptions = errors.New("corpus: invalid options")

// Generate writes opt.Stories stories to w, each followed by a line
// holding Separator. The output depends only on opt. It stops with
// ctx.Err() if ctx is cancelled.
func Generate(ctx context.Context, w io.Writer, opt Options) error {
	if opt.Stories == 0 {
		opt.Stories = DefaultStories
	}
	if opt.Stories < 0 {
		return fmt.Errorf("%w: Stories = %d, want > 0", ErrOptions, opt.Stories)
	}
	bw := bufio.NewWriter(w)
	r := rand.New(rand.NewPCG(opt.Seed, 0x5707))
	for i := 0; i < opt.Stories; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if opt.Games {
			bw.WriteString(GameStory(r))
		} else {
			bw.WriteString(Story(r))
		}
		bw.WriteString("\n" + Separator + "\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("corpus: write: %w", err)
	}
	return nil
}

// A character is one person or animal of a story.
type character struct {
	name, kind, adj string
	he              bool // pronoun he/him/his, else she/her/her
}

func (c character) they() string { return pick2(c.he, "he", "she") }
func (c character) They() string { return pick2(c.he, "He", "She") }
func (c character) them() string { return pick2(c.he, "him", "her") }
func (c character) their() string {
	return pick2(c.he, "his", "her")
}

func pick2(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// cast holds what one story is about.
type cast struct {
	hero, friend    character
	color, object   string
	color2, object2 string
	place, hazard   string
	chant           string
	helper          string // what the friend does to help
}

// Story returns one story drawn with r.
func Story(r *rand.Rand) string { return story(r, false) }

// GameStory returns one story drawn with r in which, after meeting, the
// two characters play a memory game: one says 10–30 words drawn at random
// from all the grammar's word lists and the other repeats them. Nothing
// but the first saying predicts the repetition, so these stories train
// the general copying that induction heads do, on arbitrary tokens.
func GameStory(r *rand.Rand) string { return story(r, true) }

func story(r *rand.Rand, game bool) string {
	c := newCast(r)
	var b strings.Builder
	opening(r, &b, c)
	n := 2 + r.IntN(3)
	// The first episode always introduces the friend.
	meet(r, &b, c)
	if game {
		memoryGame(r, &b, c)
	}
	episodes := []func(*rand.Rand, *strings.Builder, cast){lose, song, trade, weather}
	r.Shuffle(len(episodes), func(i, j int) { episodes[i], episodes[j] = episodes[j], episodes[i] })
	for _, e := range episodes[:n-1] {
		e(r, &b, c)
	}
	ending(r, &b, c)
	return strings.TrimSpace(b.String())
}

func newCast(r *rand.Rand) cast {
	hero := newCharacter(r, "")
	friend := newCharacter(r, hero.name)
	c := cast{hero: hero, friend: friend}
	c.color, c.object = one(r, colors), one(r, objects)
	for c.color2 = one(r, colors); c.color2 == c.color; c.color2 = one(r, colors) {
	}
	for c.object2 = one(r, objects); c.object2 == c.object; c.object2 = one(r, objects) {
	}
	c.place, c.hazard = one(r, places), one(r, hazards)
	c.chant = one(r, chants)
	if r.IntN(2) == 0 {
		c.chant = inventChant(r)
	}
	c.helper = one(r, helps)
	return c
}

func newCharacter(r *rand.Rand, not string) character {
	var ch character
	for {
		ch.he = r.IntN(2) == 0
		switch {
		case r.IntN(2) == 0:
			ch.name = inventName(r)
		case ch.he:
			ch.name = one(r, heNames)
		default:
			ch.name = one(r, sheNames)
		}
		if ch.name != not {
			break
		}
	}
	if r.IntN(3) == 0 {
		ch.kind = pick2(ch.he, "boy", "girl")
	} else {
		ch.kind = one(r, animals)
	}
	ch.adj = one(r, adjectives)
	return ch
}

func one(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// a returns s with the article "a" or "an".
func a(s string) string {
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// say writes sentences, each followed by a space, replacing the fields
// {H} {F} (names), {he} {He} {him} {his} (hero pronouns), {fhe} {fHe}
// (friend pronouns), {obj} {col} {obj2} {col2} {place} {hazard} {chant}.
func say(b *strings.Builder, c cast, lines ...string) {
	rep := strings.NewReplacer(
		"{H}", c.hero.name, "{F}", c.friend.name,
		"{he}", c.hero.they(), "{He}", c.hero.They(), "{him}", c.hero.them(), "{his}", c.hero.their(),
		"{fhe}", c.friend.they(), "{fHe}", c.friend.They(), "{fhim}", c.friend.them(), "{fhis}", c.friend.their(),
		"{obj}", c.object, "{col}", c.color, "{obj2}", c.object2, "{col2}", c.color2,
		"{place}", c.place, "{hazard}", c.hazard, "{chant}", c.chant, "{help}", c.helper,
		"{hkind}", c.hero.kind, "{fkind}", c.friend.kind,
	)
	for _, l := range lines {
		b.WriteString(rep.Replace(l))
		b.WriteByte(' ')
	}
}

func opening(r *rand.Rand, b *strings.Builder, c cast) {
	switch r.IntN(3) {
	case 0:
		b.WriteString("Once upon a time, there was " + a(c.hero.adj+" "+c.hero.kind) + " named " + c.hero.name + ". ")
	case 1:
		b.WriteString("Once upon a time, in a little " + one(r, homes) + ", there lived " + a(c.hero.adj+" "+c.hero.kind) + " named " + c.hero.name + ". ")
	default:
		b.WriteString("Once upon a time, " + a(c.hero.adj+" "+c.hero.kind) + " named " + c.hero.name + " lived near " + a(c.place) + ". ")
	}
	say(b, c, "{H} had "+a(c.color+" "+c.object)+".")
	say(b, c, one(r, []string{
		"{He} loved the {col} {obj} very much.",
		"{He} took the {col} {obj} everywhere {he} went.",
		"The {col} {obj} was {his} favorite thing in the whole world.",
	}))
	say(b, c, one(r, []string{
		"Every morning, {H} liked to sing, \"{chant}\"",
		"When {H} was happy, {he} would say, \"{chant}\"",
		"{H} had a little song: \"{chant}\"",
	}))
}

func meet(r *rand.Rand, b *strings.Builder, c cast) {
	say(b, c,
		one(r, []string{"One day, {H} went to the {place} with the {col} {obj}.", "One sunny day, {H} took {his} {obj} to the {place}."}),
		"At the {place}, {H} met {F}, "+a(c.friend.adj+" "+c.friend.kind)+".",
		one(r, []string{"\"Hello, {H}!\" said {F}.", "{F} waved and said, \"Hi, {H}!\""}),
		one(r, []string{
			"\"What a nice {obj}! Can I play with your {obj}?\"",
			"\"I like your {col} {obj}. May I play too?\"",
		}),
		one(r, []string{
			"{H} said, \"Yes, {F}. We can play together.\"",
			"{H} smiled and said, \"Yes, you can, {F}. Let us play with the {obj} together.\"",
		}),
		"So {H} and {F} played with the {col} {obj} at the {place}.",
	)
}

func lose(r *rand.Rand, b *strings.Builder, c cast) {
	say(b, c,
		one(r, []string{"But then, the {obj} fell into {hazard}.", "Then, oh no! The {col} {obj} fell into {hazard}."}),
		"{H} was very sad. \"My {obj}! My {col} {obj}!\" {he} cried.",
		"{F} said, \"Do not be sad, {H}. I will help you.\"",
		"{F} {help} and got the {col} {obj} back.",
		one(r, []string{
			"{H} hugged {F}. \"Thank you, {F}! You are a good friend.\"",
			"\"Thank you, {F},\" said {H}. \"You found my {obj}!\"",
		}),
	)
}

func song(r *rand.Rand, b *strings.Builder, c cast) {
	say(b, c,
		one(r, []string{"Then {H} taught {F} {his} little song.", "After that, {H} wanted to sing {his} song for {F}."}),
		"{H} sang, \"{chant}\"",
		"{F} laughed and sang it too: \"{chant}\"",
		one(r, []string{"They sang it again and again.", "They sang it all the way home."}),
	)
}

func trade(r *rand.Rand, b *strings.Builder, c cast) {
	say(b, c,
		"{F} had something too. It was "+a(c.color2+" "+c.object2)+".",
		"\"Do you want to play with my {obj2}?\" asked {F}.",
		one(r, []string{
			"{H} played with the {col2} {obj2}, and {F} played with the {col} {obj}.",
			"So {H} took the {col2} {obj2}, and {F} took the {col} {obj}.",
		}),
		"Sharing was fun. Now they had a {obj} and a {obj2} to play with.",
	)
}

func weather(r *rand.Rand, b *strings.Builder, c cast) {
	if r.IntN(2) == 0 {
		say(b, c,
			"Then the sky got dark, and it began to rain.",
			"\"Quick, {F}! Let us hide under the big tree,\" said {H}.",
			"{H} held the {col} {obj} close so it would not get wet.",
			"Soon the rain stopped and the sun came out again.",
		)
		return
	}
	say(b, c,
		"Then a big wind came to the {place}.",
		"The wind blew and blew. {H} held on to the {col} {obj}.",
		"\"Hold on, {H}!\" said {F}.",
		"Soon the wind was gone, and the {place} was calm again.",
	)
}

func ending(r *rand.Rand, b *strings.Builder, c cast) {
	say(b, c,
		"{H} and {F} were very happy.",
		one(r, []string{
			"From that day on, {H} and {F} played at the {place} every day.",
			"After that day, {H} and {F} were best friends.",
			"Every day after that, they played with the {col} {obj} together.",
		}),
		one(r, []string{
			"{H} learned that it is good to share with friends.",
			"{H} learned that friends help each other.",
			"And {H} still sings, \"{chant}\"",
		}),
		"The end.",
	)
}

// inventName makes up a name of two or three syllables, such as "Tobizan"
// or "Mirka". Invented names split into several tokens that no list can
// predict, so continuing one the second time it appears means copying it
// from its first appearance: the job of an induction head.
func inventName(r *rand.Rand) string {
	n := 2 + r.IntN(2)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(one(r, onsets))
		b.WriteString(one(r, vowels))
	}
	if r.IntN(2) == 0 {
		b.WriteString(one(r, codas))
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// inventChant makes up a nonsense chant, three invented sounds and an
// ending such as "Bim, bom, bazu, up we go!"; like an invented name, it
// can only be continued by copying.
func inventChant(r *rand.Rand) string {
	sound := func() string { return one(r, onsets) + one(r, vowels) + one(r, codas) }
	first := sound()
	return strings.ToUpper(first[:1]) + first[1:] + ", " + sound() + ", " + sound() + ", " + one(r, chantEnds)
}

func memoryGame(r *rand.Rand, b *strings.Builder, c cast) {
	n := 10 + r.IntN(21)
	words := make([]string, n)
	for i := range words {
		switch k := r.IntN(8); k {
		case 0:
			words[i] = inventName(r)
		case 1:
			words[i] = one(r, onsets) + one(r, vowels) + one(r, codas)
		default:
			lists := [][]string{animals, adjectives, colors, objects, places, sheNames, heNames}
			words[i] = one(r, lists[k-1])
		}
	}
	code := strings.Join(words, " ")
	say(b, c,
		"Then {H} said, \"Let us play a memory game. Listen: "+code+".\"",
		"{F} thought hard and said it back: \""+code+".\"",
		one(r, []string{"\"Well done, {F}!\" said {H}.", "\"You remembered it all!\" said {H}."}),
	)
}
