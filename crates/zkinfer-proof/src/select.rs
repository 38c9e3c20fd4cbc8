//! Selectors of windowed ops (convolution, pooling), evaluated by prover and verifier alike.
//!
//! A window op reads `x[c, o·s + k·d − p]` along each spatial axis. Along one axis, the
//! contribution of input row `h` to a claim at output point `r_o` and kernel weights `κ` is
//! `A[h] = Σ_{o < O, k < K : o·s + k·d − p = h} eq(r_o, o) · κ[k]`, a table of `O(O·K)` work that
//! the verifier computes itself. The selector of the whole op is the tensor product of the
//! channel eq and the two axes' tables, so its MLE at a point is a product of three small sums.

use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_poly::{eq_table, evaluate};

/// `A[h]` for `h < in_padded` (rows beyond the logical `in_len` stay zero).
///
/// `eq_out` is the eq table of the output point (its first `out_len` entries are used),
/// `kernel` the weight of each kernel position.
#[must_use]
#[allow(clippy::too_many_arguments)] // one axis's geometry, named as in the formula above
pub fn axis_selector(
    eq_out: &[EF],
    out_len: usize,
    kernel: &[EF],
    stride: usize,
    dilation: usize,
    pad: usize,
    in_len: usize,
    in_padded: usize,
) -> Vec<EF> {
    let mut a = vec![EF::ZERO; in_padded];
    for (o, &eo) in eq_out.iter().enumerate().take(out_len) {
        for (k, &kk) in kernel.iter().enumerate() {
            if let Some(h) = (o * stride + k * dilation)
                .checked_sub(pad)
                .filter(|&h| h < in_len)
            {
                a[h] += eo * kk;
            }
        }
    }
    a
}

/// The table `eq(r_c, c) · A_h[h] · A_w[w]` over the stored input `[C, H, W]`.
#[must_use]
pub fn window_table(r_c: &[EF], ah: &[EF], aw: &[EF]) -> Vec<EF> {
    let ec = eq_table(r_c);
    let mut t = Vec::with_capacity(ec.len() * ah.len() * aw.len());
    for &c in &ec {
        for &h in ah {
            let ch = c * h;
            t.extend(aw.iter().map(|&w| ch * w));
        }
    }
    t
}

/// The MLE of [`window_table`] at `(π_c ‖ π_h ‖ π_w)`.
#[must_use]
pub fn window_table_eval(r_c: &[EF], ah: &[EF], aw: &[EF], pi: &[EF]) -> Option<EF> {
    let nc = r_c.len();
    let nh = ah.len().trailing_zeros() as usize;
    let nw = aw.len().trailing_zeros() as usize;
    if pi.len() != nc + nh + nw {
        return None;
    }
    let ec = zkinfer_poly::eq_eval(r_c, pi.get(..nc)?);
    Some(ec * evaluate(ah, pi.get(nc..nc + nh)?) * evaluate(aw, pi.get(nc + nh..)?))
}

/// Kernel weights from the kernel part of a point: `eq(ρ_k, k)` for `k < len`; with `dup`, the
/// weights of padded positions `k ≥ len` are added to position 0 (max-pool repeats row 0 there).
#[must_use]
pub fn kernel_weights(rho_k: &[EF], len: usize, dup: bool) -> Vec<EF> {
    let e = eq_table(rho_k);
    let mut w: Vec<EF> = e.iter().take(len).copied().collect();
    if dup {
        let extra: EF = e.iter().skip(len).copied().sum();
        if let Some(w0) = w.first_mut() {
            *w0 += extra;
        }
    }
    w
}
