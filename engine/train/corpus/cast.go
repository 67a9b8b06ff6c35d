package corpus

import (
	"math/rand/v2"
	"strings"
)

// A character is one person or animal of a story.
type character struct {
	name name
	kind kind
	adj  word
}

// cast holds what one story is about. Every field has an English and a
// Chinese form, so the story can be told in either language.
type cast struct {
	hero, friend    character
	color, color2   word
	object, object2 object
	place           word
	home            home
	hazard          hazard
	help            word
	chant           word
}

func newCast(r *rand.Rand) cast {
	hero := newCharacter(r, "")
	friend := newCharacter(r, hero.name.en)
	c := cast{hero: hero, friend: friend}
	c.color, c.object = one(r, colors), one(r, objects)
	for c.color2 = one(r, colors); c.color2 == c.color; c.color2 = one(r, colors) {
	}
	for c.object2 = one(r, objects); c.object2 == c.object; c.object2 = one(r, objects) {
	}
	c.place, c.home, c.hazard = one(r, places), one(r, homes), one(r, hazards)
	c.help = one(r, helps)
	if r.IntN(2) == 0 {
		c.chant = inventChant(r)
	} else {
		c.chant = one(r, chants)
	}
	return c
}

func newCharacter(r *rand.Rand, not string) character {
	var ch character
	for {
		he := r.IntN(2) == 0
		if r.IntN(2) == 0 {
			ch.name = inventName(r, he)
		} else {
			ch.name = listName(r, he)
		}
		if ch.name.en != not {
			break
		}
	}
	switch {
	case r.IntN(3) != 0:
		ch.kind = one(r, kinds)
	case ch.name.he:
		ch.kind = boy
	default:
		ch.kind = girl
	}
	ch.adj = one(r, adjectives)
	return ch
}

// listName draws a name of the list with the pronoun he (or she).
func listName(r *rand.Rand, he bool) name {
	for {
		n := one(r, names)
		if n.he == he {
			return n
		}
	}
}

// isListName reports whether en or zh spells a name of the list.
func isListName(en, zh string) bool {
	for _, n := range names {
		if n.en == en || n.zh == zh {
			return true
		}
	}
	return false
}

// inventName makes up a name of two or three syllables, such as
// "Tobiza" (托比扎), never one of the list. An invented name splits into
// tokens that no list predicts, so continuing it the second time it
// appears means copying it from its first appearance: the job of an
// induction head.
func inventName(r *rand.Rand, he bool) name {
	for {
		n := 2 + r.IntN(2)
		var en, zh strings.Builder
		for range n {
			s := one(r, syllables)
			en.WriteString(s.en)
			zh.WriteString(s.zh)
		}
		e := en.String()
		e = strings.ToUpper(e[:1]) + e[1:]
		if !isListName(e, zh.String()) {
			return name{en: e, zh: zh.String(), he: he}
		}
	}
}

// inventChant makes up a nonsense chant of three invented sounds and an
// ending, such as "Boka, mimi, tazu, up we go!" (波卡，咪咪，塔祖，我们出发啦！);
// like an invented name, it can only be continued by copying.
func inventChant(r *rand.Rand) word {
	var en, zh []string
	for range 3 {
		s1, s2 := one(r, syllables), one(r, syllables)
		en = append(en, s1.en+s2.en)
		zh = append(zh, s1.zh+s2.zh)
	}
	end := one(r, chantEnds)
	e := strings.Join(en, ", ") + ", " + end.en
	return word{
		en: strings.ToUpper(e[:1]) + e[1:],
		zh: strings.Join(zh, "，") + "，" + end.zh,
	}
}

func one[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// a returns s with the article "a" or "an".
func a(s string) string {
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// zhWho is a character's kind with its adjective and measure word, as in
// "一个勇敢的女孩" or "一只小狐狸" (小 joins the noun without 的).
func zhWho(c character) string {
	return "一" + c.kind.cl + c.adj.zh + c.kind.zh
}

// enWho is "a brave girl" or "an owl".
func enWho(c character) string { return a(c.adj.en + " " + c.kind.en) }

func pick(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// fields returns the replacements of the template fields in English and
// in Chinese. The fields are:
//
//	{H} {F}            the hero's and the friend's names
//	{he} {He} {him} {his} {His}  the hero's pronouns (English)
//	{fhe} {fHe} {fhim} {fhis}     the friend's (English)
//	{他} {F他}          the hero's and the friend's pronoun (Chinese)
//	{who} {fwho}       "a brave girl" / "一个勇敢的女孩"
//	{hadj} {hkind} {fkind} {hcl}  the adjective, kinds and measure word
//	{col} {obj} {cl}   the object, its colour and (Chinese) measure word
//	{col2} {obj2} {cl2} the friend's object
//	{thing} {thing2}   "a red hat" / "一顶红色的帽子"
//	{place} {home} {hazard} {hzv} {help} {chant}
func (c cast) fields() (en, zh *strings.Replacer) {
	h, f := c.hero, c.friend
	en = strings.NewReplacer(
		"{H}", h.name.en, "{F}", f.name.en,
		"{he}", pick(h.name.he, "he", "she"), "{He}", pick(h.name.he, "He", "She"),
		"{him}", pick(h.name.he, "him", "her"), "{his}", pick(h.name.he, "his", "her"),
		"{His}", pick(h.name.he, "His", "Her"),
		"{fhe}", pick(f.name.he, "he", "she"), "{fHe}", pick(f.name.he, "He", "She"),
		"{fhim}", pick(f.name.he, "him", "her"), "{fhis}", pick(f.name.he, "his", "her"),
		"{who}", enWho(h), "{fwho}", enWho(f), "{hkind}", h.kind.en, "{fkind}", f.kind.en, "{hadj}", h.adj.en,
		"{col}", c.color.en, "{obj}", c.object.en, "{col2}", c.color2.en, "{obj2}", c.object2.en,
		"{thing}", a(c.color.en+" "+c.object.en), "{thing2}", a(c.color2.en+" "+c.object2.en),
		"{place}", c.place.en, "{home}", c.home.en, "{hazard}", c.hazard.en,
		"{help}", c.help.en, "{chant}", c.chant.en,
	)
	zh = strings.NewReplacer(
		"{H}", h.name.zh, "{F}", f.name.zh,
		"{F他}", pick(f.name.he, "他", "她"), "{他}", pick(h.name.he, "他", "她"),
		"{who}", zhWho(h), "{fwho}", zhWho(f), "{hkind}", h.kind.zh, "{fkind}", f.kind.zh,
		"{hadj}", h.adj.zh, "{hcl}", h.kind.cl,
		"{col}", c.color.zh, "{obj}", c.object.zh, "{cl}", c.object.cl,
		"{col2}", c.color2.zh, "{obj2}", c.object2.zh, "{cl2}", c.object2.cl,
		"{thing}", "一"+c.object.cl+c.color.zh+"的"+c.object.zh,
		"{thing2}", "一"+c.object2.cl+c.color2.zh+"的"+c.object2.zh,
		"{place}", c.place.zh, "{home}", c.home.zh, "{hazard}", c.hazard.zhWhere, "{hzv}", c.hazard.zhVerb,
		"{help}", c.help.zh, "{chant}", c.chant.zh,
	)
	return en, zh
}
