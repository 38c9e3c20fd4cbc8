//! Lowering of tract's `EinSum` with one constant operand to
//! `Transpose → Reshape → MatMulConst → Reshape → Transpose → Reshape`.

use crate::error::{ModelError, Result};
use crate::graph::{FConst, Op, TensorId};
use crate::kernels;

use super::lower::Lowerer;

/// Lowers the einsum `xs,ws->os` of an activation `x` and a constant `w` (one label per axis).
pub(super) fn lower_einsum_const(
    lw: &mut Lowerer<'_>,
    name: &str,
    (x, xs): (TensorId, &str),
    (w, ws): (&FConst, &str),
    (os, out_shape): (&str, &[usize]),
) -> Result<TensorId> {
    let unsup = |detail: String| lw.unsupported(name, "EinSum", detail);
    let xshape = lw.shape(x).to_vec();
    let dim_x = |c: char| xs.find(c).map(|i| xshape[i]);
    let dim_w = |c: char| ws.find(c).map(|i| w.shape[i]);
    let (mut m_ax, mut k_ax, mut n_ax) = (Vec::new(), Vec::new(), Vec::new());
    for c in xs.chars() {
        match (ws.contains(c), os.contains(c)) {
            (false, true) => m_ax.push(c),
            (true, false) => k_ax.push(c),
            (true, true) => {
                return Err(unsup(format!(
                    "axis `{c}` is shared by the activation, the weight and the output"
                )));
            }
            (false, false) if dim_x(c) == Some(1) => {}
            (false, false) => {
                return Err(unsup(format!(
                    "axis `{c}` is summed on the activation alone"
                )));
            }
        }
    }
    for c in ws.chars() {
        match (xs.contains(c), os.contains(c)) {
            (false, true) => n_ax.push(c),
            (false, false) if dim_w(c) == Some(1) => {}
            (false, false) => {
                return Err(unsup(format!("axis `{c}` is summed on the weight alone")));
            }
            _ => {}
        }
    }
    for c in os.chars() {
        if !xs.contains(c) && !ws.contains(c) && out_shape[os.find(c).unwrap_or(0)] != 1 {
            return Err(unsup(format!("output axis `{c}` comes from no input")));
        }
    }
    let pos = |s: &str, c: char| s.find(c).unwrap_or(0);
    // x -> [M..., K...]
    let x_perm: Vec<usize> = m_ax
        .iter()
        .chain(&k_ax)
        .map(|&c| pos(xs, c))
        .chain(
            xs.chars()
                .filter(|c| !m_ax.contains(c) && !k_ax.contains(c))
                .map(|c| pos(xs, c)),
        )
        .collect();
    let mdims: Vec<usize> = m_ax.iter().map(|&c| xshape[pos(xs, c)]).collect();
    let ndims: Vec<usize> = n_ax.iter().map(|&c| w.shape[pos(ws, c)]).collect();
    let m: usize = mdims.iter().product();
    let k: usize = k_ax.iter().map(|&c| xshape[pos(xs, c)]).product();
    let n: usize = ndims.iter().product();
    for &c in &k_ax {
        if dim_x(c) != dim_w(c) {
            return Err(ModelError::invalid(
                name,
                format!("contracted axis `{c}` differs in size"),
            ));
        }
    }
    // w -> [K..., N...] (then any size-1 axes), flattened to [k, n].
    let w_perm: Vec<usize> = k_ax
        .iter()
        .chain(&n_ax)
        .map(|&c| pos(ws, c))
        .chain(
            ws.chars()
                .filter(|c| !k_ax.contains(c) && !n_ax.contains(c))
                .map(|c| pos(ws, c)),
        )
        .collect();
    let wdata = kernels::transpose(&w.data, &w.shape, &w_perm);
    let weight = FConst {
        shape: vec![k, n],
        data: wdata,
    };

    let mut t = lw.transpose(name, x, &x_perm);
    t = lw.reshape(name, t, &[m, k]);
    t = lw.push(
        name,
        Op::MatMulConst { weight, bias: None },
        vec![t],
        vec![m, n],
    );
    let mn: Vec<char> = m_ax.iter().chain(&n_ax).copied().collect();
    let mn_dims: Vec<usize> = mdims.iter().chain(&ndims).copied().collect();
    t = lw.reshape(name, t, &mn_dims);
    let order: Vec<char> = os.chars().filter(|c| mn.contains(c)).collect();
    let perm: Vec<usize> = order
        .iter()
        .map(|&c| mn.iter().position(|&d| d == c).unwrap_or(0))
        .collect();
    t = lw.transpose(name, t, &perm);
    Ok(lw.reshape(name, t, out_shape))
}
