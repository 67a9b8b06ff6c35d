// Package corpus generates a deterministic corpus of simple English
// stories, written for this project, to pre-train the explorer's default
// model. No downloaded text is involved: every story is built from the
// small grammar below with a seeded random generator, so the same Options
// always give the same bytes.
//
// # Grammar
//
// A story is an opening, two to four episodes, and an ending:
//
//	story    = opening episode{2,4} ending
//	opening  = "Once upon a time, there was a ADJ KIND named NAME."
//	           (or "... in a little HOME, there lived ...", or "... lived near a PLACE.")
//	           NAME "had a" COLOR OBJECT "." PRONOUN "loved" ... CHANT-intro
//	episode  = meet | lose | song | trade | weather
//	meet     = NAME "went to the" PLACE ... "met" NAME2 ", a" ADJ KIND2 "."
//	           dialogue in which both names and the OBJECT recur
//	lose     = the COLOR OBJECT falls into a HAZARD; a friend helps get it back
//	song     = the character's CHANT, said again word for word
//	trade    = NAME2 shows a COLOR2 OBJECT2; they share both objects
//	weather  = rain or wind at the PLACE; they hide and the sun comes back
//	ending   = "NAME and NAME2 were happy." + a moral + "The end."
//
// Each story draws one main character (NAME, its KIND and pronoun), a
// friend, an object with its colour, a place and a chant (a short phrase
// the story repeats word for word). These recur many times within the
// story, so predicting the next word often means copying a name or phrase
// from earlier in the context: the behaviour induction heads implement.
//
// Half of the names are common first names from a list of 60; the other
// half are invented from syllables (NAME = SYLLABLE{2,3} CODA?, e.g.
// "Tobizan", "Vukoox"), and half of the chants are invented nonsense
// ("Peer, bair, shoom, what a day!"). An invented name splits into
// several tokens that no word list predicts, so after its first tokens
// the rest can only be found by looking back to where the name appeared
// before. Without them the whole grammar can be memorized: in a trial run
// without invented names and chants, the default model's best induction
// score was still 0.05 after 600 steps.
//
// # Memory games
//
// With Options.Games every story also has a memory game after the
// meeting: the hero says 10–30 words drawn at random from all the word
// lists and invented sounds, and the friend repeats them word for word.
// The default model is fine-tuned on such stories (6,000 stories with
// seed 2 make 8.9 MB) to push it towards copying arbitrary tokens.
//
// # Size
//
// A story is about 150–260 words (≈1,100 bytes). Stories are separated by
// a line holding the GPT-2 end-of-text marker Separator. The default of
// 20,000 stories (seed 1) is 22.4 MB of text: 6.04 million tokens with the
// 2,048-token BPE vocabulary of the default model.
package corpus
