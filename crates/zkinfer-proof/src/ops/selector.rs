//! Selector sumchecks shared by the windowed ops (convolution, pooling, max-pool) and the axis
//! maps (slice, sum, gather, concatenation): `value = Σ_pos x̃(pos) · S(pos)`, where the verifier
//! evaluates the selector `S` itself at the sumcheck's final point, leaving a claim on `x`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use zkinfer_field::{EF, PrimeCharacteristicRing};
use zkinfer_poly::eq_table;
use zkinfer_sumcheck::{ClaimMask, Column};

use super::api::{ProverCtx, VerifierCtx};
use super::util::{get, key_mismatch, private_columns, prod2, to_field};
use crate::claims::Claim;
use crate::error::{ProveError, VerifyError};
use crate::ir::{AxisMap, Node, Window};
use crate::layout::{Layout, chw_of};
use crate::plan::Plan;
use crate::select::{axis_selector, kernel_weights, window_table, window_table_eval};

/// `Σ_pos x(pos) · T(pos)` by sumcheck, leaving a claim on `x` (prover).
///
/// # Errors
/// If `x` is not in the witness.
pub fn prove_selector(
    cx: &mut ProverCtx<'_>,
    x: usize,
    table: Vec<EF>,
    incoming: &[ClaimMask],
    at: &str,
) -> Result<(), ProveError> {
    let xs = to_field(cx.wit.tensor(x, at)?);
    if xs.len() != table.len() {
        return Err(key_mismatch(at, "selector size"));
    }
    let private = private_columns(&[cx.is_private(x)]);
    let out = cx.ch.prove_sumcheck_zr(
        vec![Column::Base(xs), Column::Ext(table)],
        &prod2(),
        None,
        &private,
        incoming,
    );
    let xe = *get(&out.evals, 0, at, "sumcheck evaluations")?;
    cx.ch.send(vec![xe]);
    let xc = out
        .claims
        .into_iter()
        .next()
        .ok_or_else(|| key_mismatch(at, "sumcheck evaluations"))?;
    cx.pass(x, xc, at)
}

/// The window selector's sumcheck (verifier): `S = eq(r_c, ·) ⊗ A_h ⊗ A_w`.
///
/// # Errors
/// If the sumcheck or its final check fails.
pub fn verify_window(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    (r_c, ah, aw): (&[EF], &[EF], &[EF]),
    (value, incoming): (EF, &[ClaimMask]),
    at: &str,
) -> Result<(), VerifyError> {
    verify_selector(cx, x, (value, incoming), at, |p| {
        window_table_eval(r_c, ah, aw, p)
    })
}

/// `value = Σ_pos x̃(pos) · S(pos)` by sumcheck, `S` evaluated by the verifier at the final point
/// (`None`: wrong shape), leaving a claim on `x`.
///
/// # Errors
/// If the sumcheck or its final check fails.
pub fn verify_selector(
    cx: &mut VerifierCtx<'_>,
    x: usize,
    (value, incoming): (EF, &[ClaimMask]),
    at: &str,
    selector_at: impl FnOnce(&[EF]) -> Option<EF>,
) -> Result<(), VerifyError> {
    let nv = cx
        .plan
        .layouts
        .get(x)
        .map(Layout::num_vars)
        .ok_or_else(|| VerifyError::at(at, "bad input"))?;
    let private = private_columns(&[cx.is_private(x)]);
    let sub = cx
        .rd
        .verify_sumcheck_zr(nv, &prod2(), None, &private, incoming, value, at)?;
    let xe = cx.rd.recv1(at)?;
    let te = selector_at(sub.point()).ok_or_else(|| VerifyError::at(at, "selector shape"))?;
    let xc = sub
        .check(&prod2(), None, &[xe, te], at)?
        .into_iter()
        .next()
        .ok_or_else(|| VerifyError::at(at, "sumcheck evaluations"))?;
    cx.pass(x, xc, at)
}

/// A kernel point (channel ‖ kernel rows ‖ kernel columns) whose number of variables does not
/// fit the window's geometry ([`ConvGeom::selector_parts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("kernel point has {got} variables, the window's geometry needs {expected}")]
pub struct KernelPointLength {
    /// Variables the geometry needs.
    pub expected: usize,
    /// Variables the point has.
    pub got: usize,
}

impl KernelPointLength {
    /// The verifier's error at node `at`.
    #[must_use]
    pub fn at_v(self, at: &str) -> VerifyError {
        VerifyError::PointLength {
            at: at.to_string(),
            what: "kernel point",
            expected: self.expected,
            got: self.got,
        }
    }

    /// The prover's error at node `at` (a plan that does not fit its graph).
    #[must_use]
    pub fn at_p(self, at: &str) -> ProveError {
        ProveError::key_mismatch(at, self)
    }
}

/// `(ρ_c, A_h, A_w)`: the channel point and the two spatial axis selectors of a window.
pub type SelectorParts = (Vec<EF>, Vec<EF>, Vec<EF>);

/// Geometry of a windowed op.
#[derive(Clone, Copy, Debug)]
pub struct ConvGeom {
    /// Padded input channels.
    pub cip: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Padded input height.
    pub hp: usize,
    /// Padded input width.
    pub wp: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Padded kernel height.
    pub khp: usize,
    /// Padded kernel width.
    pub kwp: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Variables of the output channels.
    pub nco: usize,
    /// Variables of the output rows.
    pub noh: usize,
    /// Variables of the output columns.
    pub now: usize,
}

/// The last three padded sizes of a layout.
fn last3(l: &Layout) -> Option<[usize; 3]> {
    let n = l.padded.len();
    let s = l.padded.get(n.checked_sub(3)?..)?;
    <[usize; 3]>::try_from(s).ok()
}

impl ConvGeom {
    /// The geometry of a windowed `node` with `kernel`, from the plan's layouts; `None` if they
    /// are not `[1, C, H, W]`.
    #[must_use]
    pub fn new(plan: &Plan, node: &Node, kernel: [usize; 2]) -> Option<Self> {
        let xl = plan.layouts.get(*node.inputs.first()?)?;
        let ol = plan.layouts.get(node.output)?;
        let (_, h, w) = chw_of(xl)?;
        let (_, oh, ow) = chw_of(ol)?;
        let [cip, hp, wp] = last3(xl)?;
        let [cop, ohp, owp] = last3(ol)?;
        Some(Self {
            cip,
            h,
            w,
            hp,
            wp,
            kh: kernel[0],
            kw: kernel[1],
            khp: kernel[0].next_power_of_two(),
            kwp: kernel[1].next_power_of_two(),
            oh,
            ow,
            nco: cop.trailing_zeros() as usize,
            noh: ohp.trailing_zeros() as usize,
            now: owp.trailing_zeros() as usize,
        })
    }

    /// `(ρ_c, A_h, A_w)` of the selector for a kernel point `ρ = (ρ_c ‖ ρ_kh ‖ ρ_kw)`.
    ///
    /// # Errors
    /// [`KernelPointLength`] if `ρ` does not have `log2(cip) + log2(khp) + log2(kwp)` variables.
    pub fn selector_parts(
        &self,
        rho: &[EF],
        r_oh: &[EF],
        r_ow: &[EF],
        window: &Window,
        dup: bool,
    ) -> Result<SelectorParts, KernelPointLength> {
        let nc = self.cip.trailing_zeros() as usize;
        let nkh = self.khp.trailing_zeros() as usize;
        let nkw = self.kwp.trailing_zeros() as usize;
        let expected = nc + nkh + nkw;
        if rho.len() != expected {
            return Err(KernelPointLength {
                expected,
                got: rho.len(),
            });
        }
        let (rc, rk) = rho.split_at(nc);
        let (rkh, rkw) = rk.split_at(nkh);
        let ah = self.axis(0, r_oh, &kernel_weights(rkh, self.kh, dup), window);
        let aw = self.axis(1, r_ow, &kernel_weights(rkw, self.kw, dup), window);
        Ok((rc.to_vec(), ah, aw))
    }

    /// The selector of one spatial axis (0 = H, 1 = W) for kernel weights `kernel`.
    #[must_use]
    pub fn axis(&self, a: usize, r_o: &[EF], kernel: &[EF], window: &Window) -> Vec<EF> {
        let (out, inp, inp_pad) = if a == 0 {
            (self.oh, self.h, self.hp)
        } else {
            (self.ow, self.w, self.wp)
        };
        let pick = |v: [usize; 2]| if a == 0 { v[0] } else { v[1] };
        let pad = if a == 0 { window.pad[0] } else { window.pad[1] };
        axis_selector(
            &eq_table(r_o),
            out,
            kernel,
            pick(window.stride),
            pick(window.dilation),
            pad,
            inp,
            inp_pad,
        )
    }

    /// The sum-pool selector: every kernel position weighs 1.
    #[must_use]
    pub fn ones_parts(&self, r_oh: &[EF], r_ow: &[EF], window: &Window) -> (Vec<EF>, Vec<EF>) {
        (
            self.axis(0, r_oh, &vec![EF::ONE; self.kh], window),
            self.axis(1, r_ow, &vec![EF::ONE; self.kw], window),
        )
    }

    /// The whole selector table of a patch point.
    ///
    /// # Errors
    /// As [`ConvGeom::selector_parts`].
    pub fn patch_selector(
        &self,
        rho: &[EF],
        r_oh: &[EF],
        r_ow: &[EF],
        window: &Window,
        dup: bool,
    ) -> Result<Vec<EF>, KernelPointLength> {
        let (rc, ah, aw) = self.selector_parts(rho, r_oh, r_ow, window, dup)?;
        Ok(window_table(&rc, &ah, &aw))
    }

    /// Splits an output point into its channel, row and column parts; `None` if it has the
    /// wrong length.
    #[must_use]
    pub fn split_out<'p>(&self, r: &'p [EF]) -> Option<(&'p [EF], &'p [EF], &'p [EF])> {
        if r.len() != self.nco + self.noh + self.now {
            return None;
        }
        let (rc, ro) = r.split_at(self.nco);
        let (roh, row) = ro.split_at(self.noh);
        Some((rc, roh, row))
    }
}

/// Per input axis, the vector `v_a[i] = Σ_j eq(r_a, j) · M_a[j, i]` of axis maps from `x` to `y`
/// at the output point `r`; `None` if the shapes do not fit.
#[must_use]
pub fn axis_vectors(
    plan: &Plan,
    x: usize,
    y: usize,
    maps: &[AxisMap],
    r: &[EF],
) -> Option<Vec<Vec<EF>>> {
    let xl = plan.layouts.get(x)?;
    let yl = plan.layouts.get(y)?;
    if r.len() != yl.num_vars()
        || maps.len() != xl.logical.len()
        || yl.logical.len() != xl.logical.len()
    {
        return None;
    }
    let mut off = 0;
    let mut out = Vec::with_capacity(maps.len());
    for (a, m) in maps.iter().enumerate() {
        let nv = yl.padded.get(a)?.trailing_zeros() as usize;
        let e = eq_table(r.get(off..off + nv)?);
        off += nv;
        let (inp, outn, ip) = (*xl.logical.get(a)?, *yl.logical.get(a)?, *xl.padded.get(a)?);
        out.push(axis_vector(m, &e, inp, outn, ip));
    }
    Some(out)
}

/// `v[i] = Σ_j e[j] · [m.weight(j, i, outn, inp)]` for the input's `ip` padded indices, over
/// the map's nonzero weights only ([`AxisMap::pairs`]).
fn axis_vector(m: &AxisMap, e: &[EF], inp: usize, outn: usize, ip: usize) -> Vec<EF> {
    let mut v = vec![EF::ZERO; ip];
    for (j, i) in m.pairs(e.len(), ip, outn, inp) {
        if let (Some(vi), Some(&ej)) = (v.get_mut(i), e.get(j)) {
            *vi += ej;
        }
    }
    v
}

/// `⊗_a v_a`, the whole selector table.
#[must_use]
pub fn tensor_product(vecs: &[Vec<EF>]) -> Vec<EF> {
    let mut t = vec![EF::ONE];
    for v in vecs {
        t = t
            .iter()
            .flat_map(|&a| v.iter().map(move |&b| a * b))
            .collect();
    }
    t
}

/// The MLE of [`tensor_product`] at `pi`; `None` if the length does not fit.
#[must_use]
pub fn tensor_product_eval(vecs: &[Vec<EF>], pi: &[EF]) -> Option<EF> {
    let mut off = 0;
    let mut acc = EF::ONE;
    for v in vecs {
        let nv = v.len().trailing_zeros() as usize;
        acc *= zkinfer_poly::evaluate(v, pi.get(off..off + nv)?);
        off += nv;
    }
    (off == pi.len()).then_some(acc)
}

/// `ỹ(r) = Σ_pos x̃(pos) · Π_a v_a(pos_a)` for the per-axis maps from `x` to `y` (verifier),
/// leaving a claim on `x`.
///
/// # Errors
/// If the maps do not fit or the sumcheck fails.
pub fn verify_axis_map(
    cx: &mut VerifierCtx<'_>,
    (x, y): (usize, usize),
    maps: &[AxisMap],
    claim: &Claim,
    at: &str,
) -> Result<(), VerifyError> {
    let vecs = axis_vectors(cx.plan, x, y, maps, &claim.point)
        .ok_or_else(|| VerifyError::at(at, "malformed axis map"))?;
    verify_selector(cx, x, (claim.value, &claim.masks), at, |p| {
        tensor_product_eval(&vecs, p)
    })
}

#[cfg(test)]
mod tests {
    use zkinfer_field::F;

    use super::*;

    /// A 3×3 kernel over 4 padded channels of an 8×8 input: `2 + 2 + 2` kernel-point variables.
    fn geom() -> (ConvGeom, Window) {
        let g = ConvGeom {
            cip: 4,
            h: 8,
            w: 8,
            hp: 8,
            wp: 8,
            kh: 3,
            kw: 3,
            khp: 4,
            kwp: 4,
            oh: 6,
            ow: 6,
            nco: 1,
            noh: 3,
            now: 3,
        };
        let w = Window {
            kernel: [3, 3],
            stride: [1, 1],
            pad: [0; 4],
            dilation: [1, 1],
        };
        (g, w)
    }

    fn point(n: usize) -> Vec<EF> {
        (0..n)
            .map(|i| EF::from(F::from_u64(3 + 5 * i as u64)))
            .collect()
    }

    /// `AxisMap::pairs` is exactly the set of nonzero weights, and the direct walk of them equals
    /// the definition `Σ_j e[j]·weight(j, i)`, for
    /// logical sizes below, at and above the padded ones and maps reaching past either end.
    /// (Starts and offsets near `usize::MAX`, which the walk handles with checked arithmetic,
    /// overflow the definition itself.)
    #[test]
    fn axis_vector_equals_the_weight_definition() {
        let e: Vec<EF> = point(16);
        let maps = [
            AxisMap::Identity,
            AxisMap::Slice { start: 0, step: 1 },
            AxisMap::Slice { start: 3, step: 2 },
            AxisMap::Slice { start: 5, step: 3 },
            AxisMap::Slice { start: 40, step: 2 },
            AxisMap::Sum,
            AxisMap::Place { offset: 0 },
            AxisMap::Place { offset: 4 },
            AxisMap::Place { offset: 15 },
            AxisMap::Place { offset: 40 },
            AxisMap::Gather {
                indices: vec![3, 3, 0, 7, 12, 1],
            },
            AxisMap::Gather {
                indices: (0..20).rev().collect(),
            },
        ];
        for m in &maps {
            for (e_len, inp, outn, ip) in [
                (16, 8, 8, 8),
                (16, 13, 6, 16),
                (8, 5, 3, 8),
                (16, 16, 16, 16),
                (4, 7, 4, 8),
                (16, 1, 1, 1),
                (2, 12, 2, 16),
            ] {
                let e = &e[..e_len];
                // The pairs are exactly the grid's nonzero weights.
                let mut grid: Vec<(usize, usize)> = (0..e_len)
                    .flat_map(|j| (0..ip).map(move |i| (j, i)))
                    .filter(|&(j, i)| m.weight(j, i, outn, inp))
                    .collect();
                let mut pairs = m.pairs(e_len, ip, outn, inp);
                grid.sort_unstable();
                pairs.sort_unstable();
                assert_eq!(
                    pairs, grid,
                    "{m:?} pairs, e {e_len}, inp {inp}, out {outn}, padded {ip}"
                );
                let want: Vec<EF> = (0..ip)
                    .map(|i| {
                        e.iter()
                            .enumerate()
                            .filter(|&(j, _)| m.weight(j, i, outn, inp))
                            .map(|(_, &ej)| ej)
                            .sum()
                    })
                    .collect();
                assert_eq!(
                    axis_vector(m, e, inp, outn, ip),
                    want,
                    "{m:?}, e {e_len}, inp {inp}, out {outn}, padded {ip}"
                );
            }
        }
    }

    #[test]
    fn selector_parts_refuses_a_kernel_point_of_the_wrong_length() {
        let (g, w) = geom();
        let (r_oh, r_ow) = (point(3), point(3));
        let (rc, ah, aw) = g
            .selector_parts(&point(6), &r_oh, &r_ow, &w, false)
            .unwrap();
        assert_eq!(rc, point(2));
        assert_eq!((ah.len(), aw.len()), (8, 8));
        assert_eq!(
            g.patch_selector(&point(6), &r_oh, &r_ow, &w, false)
                .unwrap(),
            window_table(&rc, &ah, &aw)
        );
        for n in [0, 1, 5, 7, 12] {
            let e = g
                .selector_parts(&point(n), &r_oh, &r_ow, &w, true)
                .unwrap_err();
            assert_eq!(
                e,
                KernelPointLength {
                    expected: 6,
                    got: n
                }
            );
            assert!(
                g.patch_selector(&point(n), &r_oh, &r_ow, &w, false)
                    .is_err()
            );
            let v = e.at_v("pool");
            assert!(
                matches!(v, VerifyError::PointLength { expected: 6, got, .. } if got == n),
                "{v}"
            );
            assert!(v.to_string().contains("kernel point"), "{v}");
            assert!(matches!(e.at_p("pool"), ProveError::KeyMismatch { .. }));
        }
    }
}
