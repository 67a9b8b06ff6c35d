package kernel

// goImpl is the portable pure-Go kernel set. It is the only impl on
// architectures other than amd64 and under the purego build tag, and the
// reference the assembly impls are tested against alongside float64 sums.
//
// Blocking: the 4×4 register tile is the largest whose 16 accumulators plus
// 4 B values and 1 A value still nearly fit in the 16 (amd64) or 32 (arm64)
// floating-point registers the Go compiler allocates from. kc = 256 keeps
// A's 4×256 sliver (4 KiB) and B's 256×4 panel (4 KiB) in a 32 KiB or
// larger L1; nc = 512 makes a packed B block 256×512×4 B = 512 KiB, well
// inside a 1–2 MiB L2. Copying is cheap next to this kernel's arithmetic,
// so B is packed from M = 16 up (packM), and there is no prefetching.
var goImpl = &impl{
	name:           "purego",
	mr:             4,
	nr:             4,
	kc:             256,
	nc:             512,
	packM:          16,
	dotM:           16,
	micro:          microGo,
	panelRow:       panelRowGo,
	packN:          packNGo,
	packBT:         packBTGo,
	axpy4:          axpy4Go,
	dot4:           dot4Go,
	dot:            dotGo,
	axpy:           axpyGo,
	gelu:           geluGo,
	expSum:         expSumGo,
	sumExp:         sumExpGo,
	layerNorm:      layerNormGo,
	max:            maxGo,
	firstNonFinite: firstNonFiniteGo,
}

// microGo is the pure-Go 4×4 micro-kernel; see impl for its contract.
func microGo(kc int, a []float32, ai, ak int, b []float32, bk int, c []float32, ldc int, alpha, beta float32, far int) {
	var (
		c00, c01, c02, c03 float32
		c10, c11, c12, c13 float32
		c20, c21, c22, c23 float32
		c30, c31, c32, c33 float32
	)
	ia, ib := 0, 0
	for k := 0; k < kc; k++ {
		bk4 := b[ib : ib+4 : ib+4]
		b0, b1, b2, b3 := bk4[0], bk4[1], bk4[2], bk4[3]
		x := a[ia]
		c00 += x * b0
		c01 += x * b1
		c02 += x * b2
		c03 += x * b3
		x = a[ia+ai]
		c10 += x * b0
		c11 += x * b1
		c12 += x * b2
		c13 += x * b3
		x = a[ia+2*ai]
		c20 += x * b0
		c21 += x * b1
		c22 += x * b2
		c23 += x * b3
		x = a[ia+3*ai]
		c30 += x * b0
		c31 += x * b1
		c32 += x * b2
		c33 += x * b3
		ia += ak
		ib += bk
	}
	storeRow4(c[0:4:4], alpha, beta, c00, c01, c02, c03)
	storeRow4(c[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	storeRow4(c[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	storeRow4(c[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

// storeRow4 writes alpha·(s0…s3) + beta·c into c[0:4], not reading c when
// beta is zero.
func storeRow4(c []float32, alpha, beta float32, s0, s1, s2, s3 float32) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
}

// packNGo is the pure-Go packN; see impl.
func packNGo(dst []float32, b []float32, ldb, rows, np, stride int) {
	const nr = 4 // goImpl.nr
	for k := 0; k < rows; k++ {
		row := b[k*ldb : k*ldb+np*nr]
		for q := 0; q < np; q++ {
			copy(dst[q*stride+k*nr:q*stride+(k+1)*nr], row[q*nr:(q+1)*nr])
		}
	}
}

// packBTGo transposes nr = len(dst)/kc rows of b into a kc×nr panel.
func packBTGo(dst []float32, b []float32, ldb, kc int) {
	nr := len(dst) / kc
	for j := 0; j < nr; j++ {
		row := b[j*ldb : j*ldb+kc]
		for k, v := range row {
			dst[k*nr+j] = v
		}
	}
}

// axpy4Go is the pure-Go axpy4; see impl.
func axpy4Go(n int, y []float32, ldy, m int, coef []float32, x []float32, ldx, quads int) {
	for q := 0; q < quads; q++ {
		xq := x[4*q*ldx:]
		x0 := xq[0:n]
		x1 := xq[ldx : ldx+n]
		x2 := xq[2*ldx : 2*ldx+n]
		x3 := xq[3*ldx : 3*ldx+n]
		cq := coef[16*q : 16*q+16]
		for i := 0; i < m; i++ {
			c0, c1, c2, c3 := cq[4*i], cq[4*i+1], cq[4*i+2], cq[4*i+3]
			yi := y[i*ldy : i*ldy+n]
			for j := range yi {
				yi[j] += c0*x0[j] + c1*x1[j] + c2*x2[j] + c3*x3[j]
			}
		}
	}
}

// dot4Go is the pure-Go dot4; see impl.
func dot4Go(n int, x []float32, w []float32, ldw int, out *[4]float32) {
	x = x[:n]
	w0 := w[0:n]
	w1 := w[ldw : ldw+n]
	w2 := w[2*ldw : 2*ldw+n]
	w3 := w[3*ldw : 3*ldw+n]
	var s0, s1, s2, s3 float32
	for k, v := range x {
		s0 += v * w0[k]
		s1 += v * w1[k]
		s2 += v * w2[k]
		s3 += v * w3[k]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
}

// dotGo returns Σ x[i]·y[i] over len(x) elements, with four partial sums
// so the additions can overlap.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyGo adds alpha·x to y over len(x) elements.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// panelRowGo is the pure-Go panel-row kernel; see impl.panelRow.
func panelRowGo(kb int, a []float32, ak int, b []float32, out []float32) {
	const nr = 4
	var s0, s1, s2, s3 float32
	b = b[:kb*nr]
	for k := 0; k < kb; k++ {
		x := a[k*ak]
		r := b[k*nr : k*nr+nr]
		s0 += x * r[0]
		s1 += x * r[1]
		s2 += x * r[2]
		s3 += x * r[3]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
}
