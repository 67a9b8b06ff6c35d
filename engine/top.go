package engine

// Top returns the indices of the k largest values of x, largest first; ties
// go to the lower index. It makes one pass over x, keeping the best k so
// far in order, which suits the small k of a top-10 list over a vocabulary.
func Top[T float32 | float64](x []T, k int) []int {
	k = min(k, len(x))
	if k <= 0 {
		return nil
	}
	best := make([]int, 0, k)
	for i, v := range x {
		if len(best) == k && v <= x[best[k-1]] {
			continue
		}
		// Insert i after every kept index whose value is at least v.
		j := len(best)
		for j > 0 && x[best[j-1]] < v {
			j--
		}
		if len(best) < k {
			best = append(best, 0)
		}
		copy(best[j+1:], best[j:len(best)-1])
		best[j] = i
	}
	return best
}
