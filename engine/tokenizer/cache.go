package tokenizer

import (
	"strings"
	"sync"
)

// wordCache remembers the ids of recently encoded words. It is safe for
// concurrent use and bounded: it is split into shards, each holding at most
// 2*cacheShardSize words in two generations. When the current generation is
// full it becomes the old one and the previous old one is dropped; a word
// found in the old generation moves to the current one. Frequent words thus
// stay, and adversarial input cannot make the cache grow.
type wordCache struct {
	shards [cacheShards]cacheShard
}

const (
	cacheShards    = 16   // power of two
	cacheShardSize = 2048 // words per generation per shard
	cacheMaxWord   = 64   // longer words are not cached
)

type cacheShard struct {
	mu       sync.Mutex
	cur, old map[string][]int32
}

func newWordCache() *wordCache {
	return &wordCache{}
}

func (c *wordCache) shard(word string) *cacheShard {
	// FNV-1a over the (short) word: cheaper than a seeded hash, and the
	// shard only spreads lock contention; the maps inside do their own
	// seeded hashing.
	h := uint32(2166136261)
	for i := range len(word) {
		h = (h ^ uint32(word[i])) * 16777619
	}
	return &c.shards[h&(cacheShards-1)]
}

// get appends the cached ids of word to dst and reports whether word was
// cached.
func (c *wordCache) get(dst []int, word string) ([]int, bool) {
	s := c.shard(word)
	s.mu.Lock()
	ids, ok := s.cur[word]
	if !ok {
		if ids, ok = s.old[word]; ok {
			s.putLocked(strings.Clone(word), ids)
		}
	}
	s.mu.Unlock()
	if !ok {
		return dst, false
	}
	for _, id := range ids {
		dst = append(dst, int(id))
	}
	return dst, true
}

// put stores the ids of word. It copies both.
func (c *wordCache) put(word string, ids []int) {
	v := make([]int32, len(ids))
	for i, id := range ids {
		v[i] = int32(id)
	}
	key := strings.Clone(word)
	s := c.shard(word)
	s.mu.Lock()
	s.putLocked(key, v)
	s.mu.Unlock()
}

func (s *cacheShard) putLocked(word string, ids []int32) {
	if s.cur == nil || len(s.cur) >= cacheShardSize {
		s.old, s.cur = s.cur, make(map[string][]int32)
	}
	s.cur[word] = ids
}

// len returns the number of cached words, for tests.
func (c *wordCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.cur) + len(s.old)
		s.mu.Unlock()
	}
	return n
}
