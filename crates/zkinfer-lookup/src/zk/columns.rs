//! The blinding data as base-field columns for the caller's single hiding commitment, and the
//! claims on them.
//!
//! Every blinding polynomial is a small extension-field table (`N`, `D`: 2 entries; a `Z·R`
//! mask `R`: 4 entries `R(y_0, w)` in big-endian order). The commitment is over the base field,
//! so each is split into its two coordinate columns `c_0, c_1` (`v = c_0 + u·c_1`, `u` the
//! extension's generator). A claim `V(pt) = v` is discharged by opening both coordinate columns
//! at `pt` (an extension point) and checking `v = ext_from_coords([c_0(pt), c_1(pt)])`, which holds
//! because the MLE is linear.

use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};

use super::{Bilinear, BlindedClaims, Blinding, InnerMasks};

/// Which blinding column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HidingColumnId {
    /// A tree's slot numerators `N = [π_0, π_1]` (1 variable).
    Numerators {
        /// The instance.
        instance: usize,
        /// The tree within it (witnesses in order, then the table).
        tree: usize,
    },
    /// A tree's slot denominators `D = [δ_0, δ_1]` (1 variable).
    Denominators {
        /// The instance.
        instance: usize,
        /// The tree within it.
        tree: usize,
    },
    /// A tree's `Z·R` mask at a height `2 ≤ h < H`: `R_p` (`which = 0`) or `R_q` (`which = 1`) as
    /// the 4-entry table of `R(y_0, w)` (2 variables).
    Inner {
        /// The instance.
        instance: usize,
        /// The tree within it.
        tree: usize,
        /// The layer height.
        height: usize,
        /// 0 for `R_p`, 1 for `R_q`.
        which: usize,
    },
}

/// One extension-field blinding column as its two base-field coordinate columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HidingColumn {
    /// Which column.
    pub id: HidingColumnId,
    /// `[c_0, c_1]`: entry `i` of the column is `c_0[i] + u·c_1[i]`.
    pub coords: [Vec<F>; 2],
}

/// A claim `column(point) = value` on an extension-field blinding column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HidingClaim {
    /// The column.
    pub id: HidingColumnId,
    /// The evaluation point (1 or 2 coordinates).
    pub point: Vec<EF>,
    /// The claimed value.
    pub value: EF,
}

/// `c_0 + u·c_1`: the extension column's value from its coordinate columns' values.
pub fn ext_from_coords(coords: [EF; 2]) -> EF {
    coords[0] + coords[1] * EF::from_basis_coefficients_fn(|i| F::from_bool(i == 1))
}

fn split(values: &[EF]) -> [Vec<F>; 2] {
    [0, 1].map(|c| {
        values
            .iter()
            .map(|v| v.as_basis_coefficients_slice()[c])
            .collect()
    })
}

/// The 4-entry table of `R(y_0, w) = a + b·y_0 + c·w + d·y_0·w`.
fn bilinear_table(r: &Bilinear) -> [EF; 4] {
    let [a, b, c, d] = *r;
    [a, a + c, a + b, a + b + c + d]
}

/// Every instance's blinding columns in commitment order: per instance, per tree, `N`, `D`,
/// then for each masked height `2 ≤ h < H` its `R_p`, `R_q`. The caller commits them (hiding,
/// with its other private columns) before the lookup draws `α, β`.
#[must_use]
pub fn hiding_columns(blinding: &[Blinding], inner: &[InnerMasks]) -> Vec<HidingColumn> {
    let mut out = Vec::new();
    for (instance, (b, m)) in blinding.iter().zip(inner).enumerate() {
        for (tree, (n, d)) in b.numerators.iter().zip(&b.denominators).enumerate() {
            out.push(HidingColumn {
                id: HidingColumnId::Numerators { instance, tree },
                coords: split(n),
            });
            out.push(HidingColumn {
                id: HidingColumnId::Denominators { instance, tree },
                coords: split(d),
            });
            let heights = m.trees.get(tree).map_or(&[][..], Vec::as_slice);
            for (height, rs) in heights
                .iter()
                .enumerate()
                .take(heights.len().saturating_sub(1))
                .skip(2)
            {
                for (which, r) in rs.iter().enumerate() {
                    out.push(HidingColumn {
                        id: HidingColumnId::Inner {
                            instance,
                            tree,
                            height,
                            which,
                        },
                        coords: split(&bilinear_table(r)),
                    });
                }
            }
        }
    }
    out
}

impl BlindedClaims {
    /// Every claim on the blinding columns ([`hiding_columns`]), for the caller's batched
    /// opening (the witness, multiplicity and layer-mask claims are in the other fields).
    #[must_use]
    pub fn hiding_claims(&self) -> Vec<HidingClaim> {
        let mut out = Vec::new();
        for (instance, inst) in self.instances.iter().enumerate() {
            for (tree, &(z, [n, d])) in inst.blinding.iter().enumerate() {
                out.push(HidingClaim {
                    id: HidingColumnId::Numerators { instance, tree },
                    point: vec![z],
                    value: n,
                });
                out.push(HidingClaim {
                    id: HidingColumnId::Denominators { instance, tree },
                    point: vec![z],
                    value: d,
                });
            }
            for ic in &inst.inner {
                for (which, &value) in ic.values.iter().enumerate() {
                    out.push(HidingClaim {
                        id: HidingColumnId::Inner {
                            instance,
                            tree: ic.tree,
                            height: ic.height,
                            which,
                        },
                        point: ic.point.to_vec(),
                        value,
                    });
                }
            }
        }
        out
    }
}
