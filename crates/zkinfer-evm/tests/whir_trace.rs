//! A recording challenger around the zkinfer transcript, and p3-whir driven through it exactly as
//! zkinfer-pcs drives it (one stacked column, one claim): what the WHIR verifier absorbs and draws, in order.
//! Run with `--nocapture` to print the verifier's transcript trace and the gas figures.

use p3_commit::MultilinearPcs;
use p3_matrix::dense::RowMajorMatrix;
use p3_merkle_tree::MerkleCap;
use p3_multilinear_util::point::Point;
use p3_multilinear_util::poly::Poly;
use p3_sumcheck::layout::{Layout, PrefixProver, Table};
use p3_sumcheck::{OpeningBatch, OpeningProtocol, PrescribedPointPcs, TableShape, TableSpec};
use p3_whir::QueryOpenings;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zkinfer_evm::abi::{Token, decode_uint};
use zkinfer_evm::encoding::ext_to_word;
use zkinfer_evm::merkle::MerkleOpening;
use zkinfer_evm::recording::{
    Ev, ext_samples, query_phases, rec, summary, verifying_data, verifying_data_for,
    verifying_data_for_columns, whir,
};
use zkinfer_evm::whir::{
    AlgebraError, AlgebraRound, WhirAlgebra, contract_error_category, decode_proof, encode_proof,
    p3_error_category,
};
use zkinfer_evm::{Contract, Harness};
use zkinfer_field::{BasedVectorSpace, EF, F, PrimeCharacteristicRing};
use zkinfer_pcs::{DIGEST_BYTES, Digest};
use zkinfer_pcs::{KeccakMmcs, PcsConfig};

mod common;

use common::{
    Opened, accepts, check_merkle, random_columns_and_claims, rejects_with, replay_trace,
};

/// A real WHIR opening (zkinfer-pcs' parameters, one column of 2^n, one claim) verified by p3 through the
/// recording challenger; then, in the EVM: the verifier's whole transcript replayed (every challenge, query
/// index and proof-of-work verdict equal to p3's) and every STIR Merkle opening verified by `Merkle.sol`
/// against the proof's roots at the trace's indices. Prints the trace, the gas of both parts and the opening's
/// calldata size for 2^16 and 2^20 (`--nocapture`).
#[test]
fn whir_transcript_and_merkle_openings_of_real_proofs() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut th = Harness::deploy(Contract::WhirHarness).expect("deploys");
    let mut mh = Harness::deploy(Contract::MerkleHarness).expect("deploys");
    for n in [16usize, 20] {
        let w = whir(n);
        let column: Vec<F> = (0..1usize << n)
            .map(|_| F::from_u64(rng.random()))
            .collect();
        let table = Table::new(RowMajorMatrix::new(column, 1 << n));
        let witness =
            PrefixProver::<F, EF>::new_witness(vec![table], PcsConfig::default().folding_factor);
        let point: Vec<EF> = (0..n)
            .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
            .collect();
        let protocol = OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(n, 1),
            vec![OpeningBatch::new(vec![0], Vec::new())],
        )]);
        let points = vec![Point::new(point)];
        let mut p = rec(b"trace");
        let (cap, data) = w.commit(witness, &mut p).expect("commits");
        let proof = w.open_at(data, &protocol, &points, &mut p).expect("opens");
        let mut v = rec(b"trace");
        w.observe_commitment(&cap, &mut v);
        let before = v.log.len();
        eprintln!("=== commitment: {}", summary(&v.log[..before]));
        w.verify_at(&cap, &proof, &protocol, &points, &mut v)
            .expect("verifies");
        eprintln!(
            "=== 2^{n}: p3-whir verifier trace after the commitment ===\n{}",
            summary(&v.log[before..])
        );

        // 1. The whole transcript, replayed by the contract.
        let transcript_gas = replay_trace(&mut th, b"trace", &v.log);

        // 2. Every STIR Merkle opening, at the trace's indices, against the proof's roots.
        let phases = query_phases(&v.log);
        let whir_proof = &proof.whir;
        let mut roots = vec![cap.roots()[0]];
        for r in &whir_proof.rounds {
            roots.push(r.commitment.as_ref().expect("round commitment").roots()[0]);
        }
        let mut openings: Vec<&QueryOpenings<F, EF, _>> =
            whir_proof.rounds.iter().map(|r| &r.openings).collect();
        openings.push(&whir_proof.final_openings);
        assert_eq!(phases.len(), openings.len());
        let (mut merkle_gas, mut merkle_bytes, mut queries, mut mutations) =
            (0u64, 0usize, 0usize, 0);
        for (round, ((bits, indices), opening)) in phases.iter().zip(&openings).enumerate() {
            let (shape, opening) = match opening {
                QueryOpenings::Base(o) => MerkleOpening::from_p3(
                    &o.rows,
                    vec![vec![]; o.rows.len()],
                    o.proof.sibling_hashes.clone(),
                ),
                QueryOpenings::Extension(o) => MerkleOpening::from_p3(
                    &o.rows,
                    vec![vec![]; o.rows.len()],
                    o.proof.sibling_hashes.clone(),
                ),
            };
            let opened = Opened {
                name: format!("2^{n} round {round}"),
                root: roots[round],
                bits: *bits,
                shape,
                indices: indices.clone(),
                opening,
            };
            // Mutations of this real opening: both p3 and the contract reject, with the same error.
            let cost = check_merkle(
                &mut mh,
                &mut rng,
                &opened,
                roots[(round + 1) % roots.len()],
                &phases[(round + 1) % phases.len()].1,
                None,
                40,
            );
            eprintln!(
                "2^{n} round {round}: {} queries, tree of 2^{bits} rows × {} {}, {} siblings, {} bytes, {} gas ({} reading and hashing rows)",
                indices.len(),
                shape.width,
                if shape.ext { "EF" } else { "F" },
                opened.opening.siblings.len(),
                cost.bytes,
                cost.gas,
                cost.read
            );
            mutations += 40;
            merkle_gas += cost.gas;
            merkle_bytes += cost.bytes;
            queries += indices.len();
        }
        eprintln!(
            "whir gas 2^{n}: transcript replay {transcript_gas} gas ({} sponge operations, script decoding included); \
             STIR Merkle openings {merkle_gas} gas for {queries} queries in {} phases, {merkle_bytes} bytes of openings; \
             {mutations} mutated openings rejected by both with the same error",
            v.log.len(),
            phases.len()
        );
    }
}

/// One intermediate round as read from a proof and its trace: OOD (point, answer) pairs, γ, the queries'
/// index width and the queries (index, row).
type RoundData = (Vec<(EF, EF)>, EF, usize, Vec<(usize, Vec<EF>)>);

/// Everything the WHIR algebra reads, taken from a proof and its verifier's trace.
#[derive(Clone, Debug)]
struct Algebra {
    n: usize,
    fold: usize,
    /// The claim's point and value.
    point: Vec<EF>,
    value: EF,
    /// Initial OOD (point challenge, answer) pairs.
    init_ood: Vec<(EF, EF)>,
    alpha: EF,
    /// Per sumcheck phase (initial, each round, final): [h(0), h(∞)] per round and the challenges.
    phases: Vec<(Vec<[EF; 2]>, Vec<EF>)>,
    /// Per intermediate round: OOD (point, answer) pairs, γ, and the queries (index bits, index, row).
    rounds: Vec<RoundData>,
    /// The final polynomial and the final queries (index bits, (index, row)).
    final_poly: Vec<EF>,
    final_bits: usize,
    final_queries: Vec<(usize, Vec<EF>)>,
}

fn rows_of(
    o: &QueryOpenings<F, EF, p3_merkle_tree::PrunedMerklePaths<u8, DIGEST_BYTES>>,
) -> Vec<Vec<EF>> {
    match o {
        QueryOpenings::Base(o) => o
            .rows
            .iter()
            .map(|r| r.iter().map(|&x| EF::from(x)).collect())
            .collect(),
        QueryOpenings::Extension(o) => o.rows.clone(),
    }
}

fn algebra(
    n: usize,
    proof: &p3_whir::PcsProof<F, EF, KeccakMmcs>,
    point: &[EF],
    log: &[Ev],
) -> Algebra {
    let fold = PcsConfig::default().folding_factor;
    let ch = ext_samples(log);
    let phases_idx = query_phases(log);
    let w = &proof.whir;
    let mut k = 0;
    let mut next = || {
        k += 1;
        ch[k - 1]
    };
    let init_ood: Vec<(EF, EF)> = w.initial_ood_answers.iter().map(|&a| (next(), a)).collect();
    let alpha = next();
    let mut phases = Vec::new();
    let init_r: Vec<EF> = (0..fold).map(|_| next()).collect();
    phases.push((w.initial_sumcheck.polynomial_evaluations.clone(), init_r));
    let mut rounds = Vec::new();
    for (i, r) in w.rounds.iter().enumerate() {
        let ood: Vec<(EF, EF)> = r.ood_answers.iter().map(|&a| (next(), a)).collect();
        let gamma = next();
        let rs: Vec<EF> = (0..fold).map(|_| next()).collect();
        let (bits, idx) = &phases_idx[i];
        let queries = idx.iter().copied().zip(rows_of(&r.openings)).collect();
        rounds.push((ood, gamma, *bits, queries));
        phases.push((r.sumcheck.polynomial_evaluations.clone(), rs));
    }
    let final_poly = w
        .final_poly
        .as_ref()
        .expect("final poly")
        .as_slice()
        .to_vec();
    let final_rounds = final_poly.len().trailing_zeros() as usize;
    let fr: Vec<EF> = (0..final_rounds).map(|_| next()).collect();
    phases.push((
        w.final_sumcheck
            .as_ref()
            .map(|s| s.polynomial_evaluations.clone())
            .unwrap_or_default(),
        fr,
    ));
    assert_eq!(k, ch.len(), "every challenge accounted for");
    let (final_bits, fidx) = &phases_idx[w.rounds.len()];
    let final_queries = fidx
        .iter()
        .copied()
        .zip(rows_of(&w.final_openings))
        .collect();
    Algebra {
        n,
        fold,
        point: point.to_vec(),
        value: proof.evals[0].current()[0],
        init_ood,
        alpha,
        phases,
        rounds,
        final_poly,
        final_bits: *final_bits,
        final_queries,
    }
}

fn reduce(claim: EF, [h0, hinf]: [EF; 2], r: EF) -> EF {
    let h1 = claim - h0;
    h0 * (EF::ONE - r) + h1 * r + hinf * r * (r - EF::ONE)
}

fn fold_row(row: &[EF], r: &[EF]) -> EF {
    Poly::new(row.to_vec()).eval_ext::<F>(&Point::new(r.to_vec()))
}

fn omega_pow(bits: usize, index: usize) -> F {
    use p3_field::TwoAdicField;
    F::two_adic_generator(bits).exp_u64(index as u64)
}

/// The WHIR algebra as read from p3-whir's verifier (the claim chain, the final queries against the final
/// polynomial, the closing identity), in Rust with p3's public point and polynomial helpers; `Err` names
/// the failed check.
fn mirror(a: &Algebra) -> Result<(), &'static str> {
    use p3_field::Field;
    let n = a.n;
    // Claim chain. Initial constraint: α^0 · v + Σ α^(1+j) y_j (claims first, then the virtual OOD claims).
    let mut claim = a.value;
    let mut pw = a.alpha;
    for &(_, y) in &a.init_ood {
        claim += pw * y;
        pw *= a.alpha;
    }
    for (c, &r) in a.phases[0].0.iter().zip(&a.phases[0].1) {
        claim = reduce(claim, *c, r);
    }
    let mut prev_r = a.phases[0].1.clone();
    for (i, (ood, gamma, bits, queries)) in a.rounds.iter().enumerate() {
        let mut pw = *gamma;
        for &(_, y) in ood {
            claim += pw * y;
            pw *= *gamma;
        }
        for (_, row) in queries {
            claim += pw * fold_row(row, &prev_r);
            pw *= *gamma;
        }
        let _ = bits;
        for (c, &r) in a.phases[i + 1].0.iter().zip(&a.phases[i + 1].1) {
            claim = reduce(claim, *c, r);
        }
        prev_r = a.phases[i + 1].1.clone();
    }
    // Final queries: each fold equals the final polynomial (as coefficients) at ω^index.
    for (idx, row) in &a.final_queries {
        let v = fold_row(row, &prev_r);
        let x = omega_pow(a.final_bits, *idx);
        let mut acc = EF::ZERO;
        for &c in a.final_poly.iter().rev() {
            acc = acc * x + c;
        }
        if acc != v {
            return Err("final query");
        }
    }
    let last = a.phases.len() - 1;
    for (c, &r) in a.phases[last].0.iter().zip(&a.phases[last].1) {
        claim = reduce(claim, *c, r);
    }
    // Closing identity: claim = W(R) · f̂(r_final).
    let full: Vec<EF> = a.phases.iter().flat_map(|p| p.1.clone()).collect();
    let local = |nv: usize| full[full.len() - nv..].to_vec();
    let mut wsum;
    {
        let loc = local(n);
        wsum = Point::eval_eq(&a.point, &loc);
        let mut pw = a.alpha;
        for &(z, _) in &a.init_ood {
            wsum += pw * Point::eval_eq(Point::expand_from_univariate(z, n).as_slice(), &loc);
            pw *= a.alpha;
        }
    }
    for (i, (ood, gamma, bits, queries)) in a.rounds.iter().enumerate() {
        let nv = n - a.fold * (i + 1);
        let loc = local(nv);
        let mut pw = *gamma;
        for &(z, _) in ood {
            wsum += pw * Point::eval_eq(Point::expand_from_univariate(z, nv).as_slice(), &loc);
            pw *= *gamma;
        }
        for (idx, _) in queries {
            wsum += pw * Point::eval_select(omega_pow(*bits, *idx), &loc);
            pw *= *gamma;
        }
    }
    let fr = &a.phases[last].1;
    let f = Poly::new(a.final_poly.clone()).eval_ext::<F>(&Point::new(fr.clone()));
    let _ = EF::ONE.inverse();
    if claim == wsum * f {
        Ok(())
    } else {
        Err("closing identity")
    }
}

#[test]
fn whir_algebra_mirror_agrees_with_p3() {
    let mut rng = StdRng::seed_from_u64(3);
    for n in [12usize, 16] {
        let w = whir(n);
        let column: Vec<F> = (0..1usize << n)
            .map(|_| F::from_u64(rng.random()))
            .collect();
        let table = Table::new(RowMajorMatrix::new(column, 1 << n));
        let witness =
            PrefixProver::<F, EF>::new_witness(vec![table], PcsConfig::default().folding_factor);
        let point: Vec<EF> = (0..n)
            .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
            .collect();
        let protocol = OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(n, 1),
            vec![OpeningBatch::new(vec![0], Vec::new())],
        )]);
        let points = vec![Point::new(point.clone())];
        let mut p = rec(b"alg");
        let (cap, data) = w.commit(witness, &mut p).expect("commits");
        let proof = w.open_at(data, &protocol, &points, &mut p).expect("opens");
        let mut v = rec(b"alg");
        w.observe_commitment(&cap, &mut v);
        w.verify_at(&cap, &proof, &protocol, &points, &mut v)
            .expect("verifies");
        let a = algebra(n, &proof, &point, &v.log);
        assert_eq!(mirror(&a), Ok(()), "2^{n}");
        // A changed claimed value or sumcheck value breaks the closing identity.
        let mut b = a.clone();
        b.value += EF::ONE;
        assert_eq!(mirror(&b), Err("closing identity"));
        let mut b = a.clone();
        b.phases[1].0[2][1] += EF::ONE;
        assert_eq!(mirror(&b), Err("closing identity"));
        eprintln!("2^{n}: the Rust mirror of the WHIR algebra accepts p3's honest opening");
    }
}

fn to_message(a: &Algebra) -> WhirAlgebra {
    let queries = |bits: usize, qs: &[(usize, Vec<EF>)]| -> (u8, Vec<(u64, Vec<EF>)>) {
        (
            u8::try_from(bits).expect("bits"),
            qs.iter().map(|(i, r)| (*i as u64, r.clone())).collect(),
        )
    };
    WhirAlgebra {
        n: u8::try_from(a.n).expect("n"),
        fold: u8::try_from(a.fold).expect("fold"),
        claims: vec![(a.point.clone(), a.value)],
        init_ood: a.init_ood.clone(),
        alpha: a.alpha,
        phases: a
            .phases
            .iter()
            .map(|(h, r)| h.iter().zip(r).map(|(h, &r)| [h[0], h[1], r]).collect())
            .collect(),
        rounds: a
            .rounds
            .iter()
            .map(|(ood, gamma, bits, qs)| {
                let (bits, queries) = queries(*bits, qs);
                AlgebraRound {
                    ood: ood.clone(),
                    gamma: *gamma,
                    bits,
                    queries,
                }
            })
            .collect(),
        final_poly: a.final_poly.clone(),
        final_bits: u8::try_from(a.final_bits).expect("bits"),
        final_queries: queries(a.final_bits, &a.final_queries).1,
    }
}

fn bump(x: &mut EF) {
    *x += EF::ONE;
}

/// One mutation of an honest algebra message.
fn mutate_algebra(rng: &mut StdRng, m: &WhirAlgebra) -> (&'static str, Vec<u8>) {
    let mut b = m.clone();
    let what = match rng.random_range(0..14) {
        0 | 1 => {
            let mut bytes = m.encode();
            let pos = rng.random_range(0..bytes.len());
            bytes[pos] ^= rng.random_range(1..=255u8);
            return ("byte flip", bytes);
        }
        2 => {
            bump(&mut b.claims[0].1);
            "claimed value"
        }
        3 => {
            let p = rng.random_range(0..b.phases.len());
            let k = rng.random_range(0..b.phases[p].len());
            bump(&mut b.phases[p][k][rng.random_range(0..2)]);
            "sumcheck value"
        }
        4 => {
            let i = rng.random_range(0..b.rounds.len());
            let q = rng.random_range(0..b.rounds[i].queries.len());
            let j = rng.random_range(0..b.rounds[i].queries[q].1.len());
            bump(&mut b.rounds[i].queries[q].1[j]);
            "round query row"
        }
        5 => {
            let q = rng.random_range(0..b.final_queries.len());
            bump(&mut b.final_queries[q].1[0]);
            "final query row"
        }
        6 => {
            let k = rng.random_range(0..b.final_poly.len());
            bump(&mut b.final_poly[k]);
            "final polynomial"
        }
        7 => {
            let i = rng.random_range(0..b.rounds.len());
            if b.rounds[i].ood.is_empty() {
                bump(&mut b.init_ood[0].1);
            } else {
                bump(&mut b.rounds[i].ood[0].1);
            }
            "OOD answer"
        }
        8 => {
            if b.rounds.len() >= 2 {
                b.rounds.swap(0, 1);
            } else {
                b.phases.swap(1, 2);
            }
            "rounds swapped"
        }
        9 => {
            let i = rng.random_range(0..b.rounds.len());
            let q = rng.random_range(0..b.rounds[i].queries.len());
            let bits = b.rounds[i].bits;
            let idx = &mut b.rounds[i].queries[q].0;
            *idx = (*idx + rng.random_range(1..1u64 << bits)) % (1 << bits);
            "query index"
        }
        10 => {
            bump(&mut b.alpha);
            "another α"
        }
        11 => {
            b.rounds[0].queries.pop();
            "query dropped"
        }
        12 => {
            let k = rng.random_range(0..b.claims[0].0.len());
            bump(&mut b.claims[0].0[k]);
            "claim point"
        }
        _ => {
            let mut bytes = m.encode();
            if rng.random_bool(0.5) {
                bytes.truncate(rng.random_range(0..bytes.len()));
                return ("truncated", bytes);
            }
            bytes.push(rng.random());
            return ("byte appended", bytes);
        }
    };
    (what, b.encode())
}

/// The algebra of real openings (2^16, 2^20), challenges from the trace: `WhirAlgebra.sol` and its Rust twin
/// accept (and the twin agrees with p3, which accepted), and ≥ 200 mutated messages are rejected by both with
/// the same error; the gas of the algebra and the sum of the measured parts of a whole opening.
#[test]
fn whir_algebra_contract_agrees() {
    let mut rng = StdRng::seed_from_u64(4);
    let mut h = Harness::deploy(Contract::WhirHarness).expect("deploys");
    let mut rejected = 0;
    for n in [16usize, 20] {
        let w = whir(n);
        let column: Vec<F> = (0..1usize << n)
            .map(|_| F::from_u64(rng.random()))
            .collect();
        let table = Table::new(RowMajorMatrix::new(column, 1 << n));
        let witness =
            PrefixProver::<F, EF>::new_witness(vec![table], PcsConfig::default().folding_factor);
        let point: Vec<EF> = (0..n)
            .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
            .collect();
        let protocol = OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(n, 1),
            vec![OpeningBatch::new(vec![0], Vec::new())],
        )]);
        let points = vec![Point::new(point.clone())];
        let mut p = rec(b"alg");
        let (cap, data) = w.commit(witness, &mut p).expect("commits");
        let proof = w.open_at(data, &protocol, &points, &mut p).expect("opens");
        let mut v = rec(b"alg");
        w.observe_commitment(&cap, &mut v);
        w.verify_at(&cap, &proof, &protocol, &points, &mut v)
            .expect("verifies");
        let m = to_message(&algebra(n, &proof, &point, &v.log));
        assert_eq!(m.check(), Ok(()), "the Rust twin accepts what p3 accepted");
        let bytes = m.encode();
        assert_eq!(WhirAlgebra::decode(&bytes).as_ref(), Ok(&m));
        eprintln!(
            "whir gas 2^{n}: algebra {} gas (decoding {} bytes included)",
            accepts(&mut h, "algebra(bytes)", bytes.clone()),
            bytes.len()
        );
        for _ in 0..150 {
            let (what, bad) = mutate_algebra(&mut rng, &m);
            let rust = WhirAlgebra::decode(&bad)
                .map_err(AlgebraError::from)
                .and_then(|x| x.check());
            match rust {
                Ok(()) => {
                    accepts(&mut h, "algebra(bytes)", bad);
                }
                Err(e) => {
                    rejects_with(
                        &mut h,
                        "algebra(bytes)",
                        bad,
                        e.solidity_name(),
                        &format!("{what}: Rust rejects ({e})"),
                    );
                    rejected += 1;
                }
            }
        }
    }
    eprintln!(
        "whir algebra: {rejected} of 300 mutated messages rejected by both with the same error"
    );
    assert!(rejected >= 290);
}

/// Whole plain WHIR openings through `WhirVerifier.sol` in one call: honest openings of 2^12, 2^16 and 2^20
/// stacks accepted (p3 accepted them); mutated proofs (values changed in the proof structure, re-encoded)
/// rejected by p3 and by the contract, and byte-level mutations of the calldata rejected by the contract.
#[test]
fn whir_verifier_end_to_end() {
    let mut rng = StdRng::seed_from_u64(5);
    let mut h = Harness::deploy(Contract::WhirHarness).expect("deploys");
    let (mut struct_rejected, mut bytes_rejected, mut same_category) = (0, 0, 0);
    for n in [12usize, 16, 20] {
        let w = whir(n);
        let column: Vec<F> = (0..1usize << n)
            .map(|_| F::from_u64(rng.random()))
            .collect();
        let table = Table::new(RowMajorMatrix::new(column, 1 << n));
        let witness =
            PrefixProver::<F, EF>::new_witness(vec![table], PcsConfig::default().folding_factor);
        let point: Vec<EF> = (0..n)
            .map(|_| EF::from_basis_coefficients_fn(|_| F::from_u64(rng.random())))
            .collect();
        let protocol = OpeningProtocol::new(vec![TableSpec::new(
            TableShape::new(n, 1),
            vec![OpeningBatch::new(vec![0], Vec::new())],
        )]);
        let points = vec![Point::new(point.clone())];
        let mut p = rec(b"e2e");
        let (cap, data) = w.commit(witness, &mut p).expect("commits");
        let proof = w.open_at(data, &protocol, &points, &mut p).expect("opens");
        let mut v = rec(b"e2e");
        w.observe_commitment(&cap, &mut v);
        w.verify_at(&cap, &proof, &protocol, &points, &mut v)
            .expect("verifies");
        let vd = verifying_data(&v.log, &proof, n);
        assert_eq!(
            verifying_data_for(n),
            vd,
            "the verifying data depends on the instance only, not on the data or the point"
        );
        let vdata = vd.encode();
        let root = cap.roots()[0];
        let call_root = |root: Digest, bytes: Vec<u8>| {
            vec![
                Token::Bytes(b"e2e".to_vec()),
                Token::Bytes(vdata.clone()),
                Token::Uint(zkinfer_evm::merkle::digest_word(&root)),
                Token::UintArray(point.iter().map(|&x| ext_to_word(x)).collect()),
                Token::Bytes(bytes),
            ]
        };
        let call = |bytes: Vec<u8>| call_root(root, bytes);
        const SIG: &str = "verifyOpening(bytes,bytes,bytes32,uint256[],bytes)";
        let bytes = encode_proof(&proof, &vd).expect("encodes");
        let out = h.call(SIG, &call(bytes.clone())).expect("runs");
        assert!(out.success, "2^{n}: {:?}", h.revert_error(&out));
        let gas = decode_uint(&out.output, 0).expect("gas");
        let tx = zkinfer_evm::call_tx_gas(&bytes, u64::try_from(gas).expect("fits"));
        eprintln!(
            "whir e2e 2^{n}: accepted; execution {gas} gas, proof calldata {} bytes ({} standard / {} floor), \
             transaction ≈ {} gas; verifying data {} bytes; queries {:?} + {}",
            bytes.len(),
            tx.calldata_standard,
            tx.calldata_floor,
            tx.total,
            vdata.len(),
            vd.rounds.iter().map(|r| r.3).collect::<Vec<_>>(),
            vd.final_queries
        );
        // Mutations of the proof structure: p3 and the contract reject.
        for m in 0..80 {
            let mut bad = proof.clone();
            let mut bad_root = root;
            let wp = &mut bad.whir;
            match m % 10 {
                8 => bad_root[m % DIGEST_BYTES] ^= 1,
                9 => {
                    let s = wp.rounds[0].sumcheck.clone();
                    wp.rounds[0].sumcheck = std::mem::replace(&mut wp.initial_sumcheck, s);
                }
                0 => wp.initial_sumcheck.polynomial_evaluations[m % 4][m % 2] += EF::ONE,
                1 => {
                    let i = m % wp.rounds.len();
                    let k = (m / 8) % wp.rounds[i].sumcheck.polynomial_evaluations.len();
                    wp.rounds[i].sumcheck.polynomial_evaluations[k][1] += EF::ONE;
                }
                2 => {
                    if let Some(f) = wp.final_poly.as_mut() {
                        let mut vals = f.as_slice().to_vec();
                        let k = m % vals.len();
                        vals[k] += EF::ONE;
                        *f = Poly::new(vals);
                    }
                }
                3 => {
                    let i = m % wp.rounds.len();
                    wp.rounds[i].ood_answers[0] += EF::ONE;
                }
                4 => {
                    let o = match &mut wp.rounds[0].openings {
                        QueryOpenings::Base(o) => &mut o.proof,
                        QueryOpenings::Extension(o) => &mut o.proof,
                    };
                    let k = m % o.sibling_hashes.len();
                    o.sibling_hashes[k][m % DIGEST_BYTES] ^= 1;
                }
                5 => {
                    if let QueryOpenings::Base(o) = &mut wp.rounds[0].openings {
                        let q = m % o.rows.len();
                        o.rows[q][m % 16] += F::ONE;
                    }
                }
                6 => wp.rounds[0].pow_witness += F::ONE,
                7 => {
                    bad.evals = vec![OpeningBatch::new(
                        vec![bad.evals[0].current()[0] + EF::ONE],
                        vec![],
                    )];
                }
                _ => unreachable!(),
            }
            let bad_cap = MerkleCap::new(vec![bad_root]);
            let mut t = rec(b"e2e");
            w.observe_commitment(&bad_cap, &mut t);
            let rust_ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                w.verify_at(&bad_cap, &bad, &protocol, &points, &mut t)
                    .is_ok()
            }))
            .unwrap_or(false);
            let out = h
                .call(
                    SIG,
                    &call_root(bad_root, encode_proof(&bad, &vd).expect("encodes")),
                )
                .expect("runs");
            assert_eq!(
                out.success,
                rust_ok,
                "2^{n} mutation {m}: p3 {rust_ok}, contract {:?}",
                h.revert_error(&out)
            );
            assert!(
                h.revert_error(&out).is_some() || out.success,
                "2^{n} mutation {m}: reverted without a named error"
            );
            struct_rejected += usize::from(!rust_ok);
        }
        // Byte-level mutations of the calldata: decoded back (as the contract reads it) and handed to p3;
        // both reject, and the error categories are compared.
        for _ in 0..80 {
            let mut b = bytes.clone();
            match rng.random_range(0..4) {
                0 | 1 => {
                    let pos = rng.random_range(0..b.len());
                    b[pos] ^= rng.random_range(1..=255u8);
                }
                2 => b.truncate(rng.random_range(0..b.len())),
                _ => b.push(rng.random()),
            }
            let rust: Result<(), &'static str> = match decode_proof(&b, &vd) {
                Err(_) => Err("decode"),
                Ok(bad) => {
                    let mut t = rec(b"e2e");
                    w.observe_commitment(&cap, &mut t);
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        w.verify_at(&cap, &bad, &protocol, &points, &mut t)
                    })) {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(e)) => Err(p3_error_category(&e)),
                        Err(_) => Err("panic"),
                    }
                }
            };
            let out = h.call(SIG, &call(b)).expect("runs");
            let name = h.revert_error(&out).map(|e| e.name);
            assert_eq!(
                out.success,
                rust.is_ok(),
                "2^{n}: p3 {rust:?}, contract {name:?}"
            );
            let got = contract_error_category(name.as_deref().unwrap_or("none"));
            let want = rust.expect_err("rejected");
            if got == want {
                same_category += 1;
            } else {
                eprintln!("2^{n}: byte mutation: p3 category {want}, contract {name:?}");
            }
            bytes_rejected += 1;
        }
    }
    eprintln!(
        "whir e2e: {struct_rejected} structural mutations rejected by p3 and the contract, \
         {bytes_rejected} calldata mutations rejected by p3 (decoded back) and the contract, \
         {same_category} of them with the same error category"
    );
    assert!(struct_rejected >= 200);
    assert!(bytes_rejected >= 200);
}

fn claims_blob(claims: &[zkinfer_pcs::ColumnClaim]) -> Vec<u8> {
    let mut out = vec![u8::try_from(claims.len()).expect("claims")];
    for c in claims {
        out.extend_from_slice(&u16::try_from(c.column).expect("column").to_be_bytes());
        out.push(u8::try_from(c.point.len()).expect("point"));
        for &x in &c.point {
            zkinfer_evm::encoding::put_ext(&mut out, x);
        }
        zkinfer_evm::encoding::put_ext(&mut out, c.value);
    }
    out
}

/// Real `zkinfer_pcs::Pcs` openings (commit and open through zkinfer-pcs' API on the zkinfer transcript):
/// one column of 2^12 / 2^16 with one claim, and four columns of different sizes with five claims (the stack
/// lifts each claim with its column's selector bits and padding): `WhirVerifier.verifyPcs` replays
/// `Pcs::absorb_commitment` + `Pcs::verify` (zkinfer's labelled absorbs, then p3) with the verifying data of
/// `verifying_data_for_columns`, accepts what `Pcs::verify` accepts, and rejects another value, another
/// point, claims in another order, another root and calldata byte flips, as `Pcs::verify` does.
#[test]
fn zkinfer_pcs_openings_verified_on_chain() {
    use zkinfer_field::Transcript;
    use zkinfer_pcs::{ColumnClaim, Pcs};
    let mut rng = StdRng::seed_from_u64(6);
    let mut h = Harness::deploy(Contract::WhirHarness).expect("deploys");
    const SIG: &str = "verifyPcsOpening(bytes,bytes,bytes32,bytes,bytes)";
    let cases: [(&[usize], &[usize]); 3] = [
        (&[12], &[0]),
        (&[16], &[0]),
        (&[12, 10, 3, 10], &[2, 0, 3, 1, 0]),
    ];
    for (shapes, claim_cols) in cases {
        let pcs = Pcs::new(PcsConfig::default());
        let (columns, claims) = random_columns_and_claims(shapes, claim_cols, &mut rng);
        let ctx = b"zkinfer-pcs on chain";
        let mut t = Transcript::new(ctx);
        let (com, data) = pcs.commit(&columns, &mut t).expect("commits");
        let proof = pcs.open(&data, &claims, &mut t).expect("opens");
        let vd = verifying_data_for_columns(shapes, claim_cols);
        let vdata = vd.encode();
        let bytes = encode_proof(proof.p3_proof(), &vd).expect("encodes");
        let rust = |root: Digest, claims: &[ColumnClaim]| {
            let com = if root == com.root() {
                com.clone()
            } else {
                return false;
            };
            let mut t = Transcript::new(ctx);
            pcs.absorb_commitment(&com, &mut t).is_ok()
                && pcs.verify(&com, claims, &proof, &mut t).is_ok()
        };
        let call = |root: Digest, claims: &[ColumnClaim], bytes: &[u8]| {
            vec![
                Token::Bytes(ctx.to_vec()),
                Token::Bytes(vdata.clone()),
                Token::Uint(zkinfer_evm::merkle::digest_word(&root)),
                Token::Bytes(claims_blob(claims)),
                Token::Bytes(bytes.to_vec()),
            ]
        };
        assert!(rust(com.root(), &claims), "Pcs::verify accepts");
        let out = h
            .call(SIG, &call(com.root(), &claims, &bytes))
            .expect("runs");
        assert!(out.success, "{shapes:?}: {:?}", h.revert_error(&out));
        eprintln!(
            "zkinfer-pcs opening of columns {shapes:?} (2^{} stack), claims on {claim_cols:?}, verified on chain: \
             execution {} gas, {} bytes of proof",
            vd.n,
            decode_uint(&out.output, 0).expect("gas"),
            bytes.len()
        );
        let mut tries: Vec<(&str, Digest, Vec<ColumnClaim>)> = Vec::new();
        let mut other = claims.clone();
        other[0].value += EF::ONE;
        tries.push(("another value", com.root(), other));
        let mut other = claims.clone();
        other[claims.len() - 1].point[0] += EF::ONE;
        tries.push(("another point", com.root(), other));
        if claims.len() > 1 {
            let mut other = claims.clone();
            other.swap(0, 1);
            tries.push(("claims reordered", com.root(), other));
        }
        let mut root = com.root();
        root[0] ^= 1;
        tries.push(("another root", root, claims.clone()));
        for (what, root, cl) in &tries {
            assert!(!rust(*root, cl), "{what}: Pcs::verify rejects");
            let out = h.call(SIG, &call(*root, cl, &bytes)).expect("runs");
            assert!(
                !out.success && h.revert_error(&out).is_some(),
                "{shapes:?} {what}: the contract must reject with a named error"
            );
        }
        for _ in 0..30 {
            let mut b = bytes.clone();
            let pos = rng.random_range(0..b.len());
            b[pos] ^= rng.random_range(1..=255u8);
            let out = h.call(SIG, &call(com.root(), &claims, &b)).expect("runs");
            assert!(!out.success && h.revert_error(&out).is_some());
        }
    }
}

/// The algebra's Rust twin on real multi-column `Pcs` proofs: p3's `verify_at` is replayed through the
/// recorder on the transcript `Pcs::verify` builds (zkinfer's absorbs by hand), and `WhirAlgebra::check`
/// with each claim lifted as `verifying_data_for_columns` says (zero padding, point, reversed selector bits)
/// accepts, for several columns and claims.
#[test]
fn algebra_twin_on_multi_column_pcs_proofs() {
    use p3_sumcheck::{OpeningBatch, OpeningProtocol, TableShape, TableSpec};
    use zkinfer_evm::recording::{Rec, record_columns};
    use zkinfer_field::Transcript;
    use zkinfer_pcs::Pcs;
    let cases: [(&[usize], &[usize]); 4] = [
        (&[12], &[0, 0]),
        (&[10, 10], &[0, 1]),
        (&[12, 10], &[0, 1]),
        (&[12, 10], &[1]),
    ];
    for (shapes, claim_cols) in cases {
        let r = record_columns(shapes, claim_cols);
        let fold = PcsConfig::default().folding_factor;
        let arity: Vec<usize> = shapes.iter().map(|&v| v.max(fold)).collect();
        let mut sched: Vec<usize> = (0..claim_cols.len()).collect();
        sched.sort_by_key(|&i| r.columns[claim_cols[i]].1);
        // A real Pcs opening.
        let mut rng = StdRng::seed_from_u64(9);
        let pcs = Pcs::new(PcsConfig::default());
        let (columns, claims) = random_columns_and_claims(shapes, claim_cols, &mut rng);
        let ctx = b"dbg";
        let mut t = Transcript::new(ctx);
        let (com, data) = pcs.commit(&columns, &mut t).expect("commits");
        let proof = pcs.open(&data, &claims, &mut t).expect("opens");
        // Replay Pcs::verify's transcript by hand, then p3's verify_at through the recorder.
        let mut t = Transcript::new(ctx);
        pcs.absorb_commitment(&com, &mut t).expect("absorbs");
        for c in &claims {
            t.absorb_u64(b"pcs/claim-column", c.column as u64);
            t.absorb_exts(b"pcs/claim-point", &c.point);
            t.absorb_ext(b"pcs/claim-value", c.value);
        }
        let mut rec = Rec { t, log: Vec::new() };
        let mut ar: Vec<usize> = arity.clone();
        ar.sort_unstable_by(|a, b| b.cmp(a));
        ar.dedup();
        let tables: Vec<Vec<usize>> = ar
            .iter()
            .map(|&a| (0..shapes.len()).filter(|&c| arity[c] == a).collect())
            .collect();
        let mut specs = Vec::new();
        let mut points = Vec::new();
        for (ti, cols) in tables.iter().enumerate() {
            let mut schedule = Vec::new();
            for c in &claims {
                if arity[c.column] == ar[ti] {
                    let slot = cols.iter().position(|&x| x == c.column).expect("slot");
                    schedule.push(OpeningBatch::new(vec![slot], Vec::new()));
                    let mut lifted = vec![EF::ZERO; ar[ti] - c.point.len()];
                    lifted.extend_from_slice(&c.point);
                    points.push(Point::new(lifted));
                }
            }
            specs.push(TableSpec::new(
                TableShape::new(ar[ti], cols.len()),
                schedule,
            ));
        }
        let protocol = OpeningProtocol::new(specs);
        let w = whir(r.n);
        let cap = MerkleCap::new(vec![com.root()]);
        w.verify_at(&cap, proof.p3_proof(), &protocol, &points, &mut rec)
            .expect("p3 verifies the Pcs proof through the recorder");
        let a0 = algebra(r.n, proof.p3_proof(), &vec![EF::ZERO; r.n], &rec.log);
        let mut m = to_message(&a0);
        m.claims = sched
            .iter()
            .zip(&points)
            .zip(&proof.p3_proof().evals)
            .map(|((&i, p), e)| {
                let suf = &r.columns[claim_cols[i]].3;
                let mut l: Vec<EF> = p.as_slice().to_vec();
                l.extend(suf.iter().map(|&b| EF::from(F::from_u64(u64::from(b)))));
                (l, e.current()[0])
            })
            .collect();
        assert_eq!(m.check(), Ok(()), "{shapes:?} {claim_cols:?}");
    }
}
