//! RFC 6962 hashing and proofs against the transparency-dev/merkle reference vectors (with their
//! corrupted-proof probes: bit flips, wrong indexes and sizes, extra or missing hashes), against a
//! second implementation (`ct-merkle`), and the SQLite store's roots, proofs and tiles against both.

mod common;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2_011::Sha256;
use zkinfer_serve::merkle::{
    EMPTY_HASH, Frontier, Hash, TileKind, TileRef, check_consistency, check_inclusion,
    decode_bundle, node_hash, record_hash,
};
use zkinfer_serve::store::Store;

fn h(s: &str) -> Hash {
    let v: Vec<u8> = (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    Hash(v.try_into().unwrap())
}

fn leaves() -> Vec<Vec<u8>> {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|s| {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    })
    .collect()
}

/// Roots of the trees of sizes 1..=8 over `leaves()` (transparency-dev/merkle testonly).
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn root(n: u64) -> Hash {
    h(ROOTS[n as usize - 1])
}

/// (leaf index, 1-based as in the reference; tree size; proof).
fn inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            3,
            3,
            vec![h(
                "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            )],
        ),
        (
            2,
            5,
            vec![
                h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
    ]
}

fn consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
    vec![
        (1, 1, vec![]),
        (
            1,
            8,
            vec![
                h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
            ],
        ),
        (
            6,
            8,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
        (
            2,
            5,
            vec![
                h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            ],
        ),
        (
            6,
            7,
            vec![
                h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
            ],
        ),
    ]
}

const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

fn flipped(proof: &[Hash], i: usize, bit: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    p[i].0[0] ^= bit;
    p
}

#[test]
fn roots_match_the_reference() {
    let mut f = Frontier::new();
    assert_eq!(f.root(), EMPTY_HASH);
    for (n, leaf) in leaves().iter().enumerate() {
        f.push(record_hash(leaf));
        assert_eq!(f.root(), root(n as u64 + 1), "size {}", n + 1);
    }
}

#[test]
fn inclusion_vectors_verify_and_every_corruption_fails() {
    let leaves = leaves();
    for (leaf1, size, proof) in inclusion_vectors() {
        let index = leaf1 - 1;
        let leaf = record_hash(&leaves[index as usize]);
        let r = root(size);
        check_inclusion(&proof, size, r, index, leaf).expect("reference proof verifies");
        let some = h(SOME_HASH);
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
            (
                index.wrapping_sub(1),
                size,
                r,
                leaf,
                proof.clone(),
                "index - 1".into(),
            ),
            (index + 1, size, r, leaf, proof.clone(), "index + 1".into()),
            (index ^ 2, size, r, leaf, proof.clone(), "index ^ 2".into()),
            (index, size * 2, r, leaf, proof.clone(), "size * 2".into()),
            (index, size / 2, r, leaf, proof.clone(), "size / 2".into()),
            (
                index,
                size,
                r,
                record_hash(b"WrongLeaf"),
                proof.clone(),
                "wrong leaf".into(),
            ),
            (
                index,
                size,
                EMPTY_HASH,
                leaf,
                proof.clone(),
                "empty root".into(),
            ),
            (index, size, some, leaf, proof.clone(), "random root".into()),
            (
                index,
                size,
                r,
                leaf,
                [proof.clone(), vec![r]].concat(),
                "trailing root".into(),
            ),
            (
                index,
                size,
                r,
                leaf,
                [vec![r], proof.clone()].concat(),
                "preceding root".into(),
            ),
        ];
        for i in 0..proof.len() {
            probes.push((
                index,
                size,
                r,
                leaf,
                flipped(&proof, i, 8),
                format!("proof[{i}] bit 3"),
            ));
        }
        if !proof.is_empty() {
            probes.push((
                index,
                size,
                r,
                leaf,
                proof[..proof.len() - 1].to_vec(),
                "removed".into(),
            ));
        }
        if proof.len() > 1 {
            let mut p = vec![proof[0], some];
            p.extend_from_slice(&proof[1..]);
            probes.push((index, size, r, leaf, p, "inserted".into()));
        }
        for (i, s, r, l, p, what) in probes {
            assert!(
                check_inclusion(&p, s, r, i, l).is_err(),
                "leaf {leaf1} size {size}: `{what}` verified"
            );
        }
    }
}

#[test]
fn consistency_vectors_verify_and_every_corruption_fails() {
    for (s1, s2, proof) in consistency_vectors() {
        let (r1, r2) = (root(s1), root(s2));
        check_consistency(&proof, s1, r1, s2, r2).expect("reference proof verifies");
        if proof.is_empty() {
            continue;
        }
        let wrong = record_hash(b"WrongRoot");
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
            (s1 - 1, s2, r1, r2, proof.clone(), "size1 - 1".into()),
            (s1 + 1, s2, r1, r2, proof.clone(), "size1 + 1".into()),
            (s1 ^ 2, s2, r1, r2, proof.clone(), "size1 ^ 2".into()),
            (s1, s2 * 2, r1, r2, proof.clone(), "size2 * 2".into()),
            (s1, s2 / 2, r1, r2, proof.clone(), "size2 / 2".into()),
            (s1, s2, wrong, r2, proof.clone(), "wrong root1".into()),
            (s1, s2, r1, wrong, proof.clone(), "wrong root2".into()),
            (s1, s2, r2, r1, proof.clone(), "swapped roots".into()),
            (s1, s2, r1, r2, vec![], "empty proof".into()),
            (
                s1,
                s2,
                r1,
                r2,
                [proof.clone(), vec![r1]].concat(),
                "trailing root1".into(),
            ),
            (
                s1,
                s2,
                r1,
                r2,
                [proof.clone(), vec![r2]].concat(),
                "trailing root2".into(),
            ),
            (
                s1,
                s2,
                r1,
                r2,
                [vec![r1], proof.clone()].concat(),
                "preceding root1".into(),
            ),
            (
                s1,
                s2,
                r1,
                r2,
                [vec![r2], proof.clone()].concat(),
                "preceding root2".into(),
            ),
            (
                s1,
                s2,
                r1,
                r2,
                [vec![proof[0]], proof.clone()].concat(),
                "preceding proof[0]".into(),
            ),
            (
                s1,
                s2,
                r1,
                r2,
                proof[..proof.len() - 1].to_vec(),
                "truncated".into(),
            ),
        ];
        for i in 0..proof.len() {
            probes.push((
                s1,
                s2,
                r1,
                r2,
                flipped(&proof, i, 16),
                format!("proof[{i}] bit 4"),
            ));
        }
        for (a, b, ra, rb, p, what) in probes {
            assert!(
                check_consistency(&p, a, ra, b, rb).is_err(),
                "{s1}->{s2}: `{what}` verified"
            );
        }
    }
    // From the empty tree: only the empty root and an empty proof.
    check_consistency(&[], 0, EMPTY_HASH, 3, root(3)).expect("empty prefix");
    assert!(check_consistency(&[], 0, root(1), 3, root(3)).is_err());
    assert!(check_consistency(&[EMPTY_HASH], 0, EMPTY_HASH, 3, root(3)).is_err());
    assert!(check_consistency(&[], 4, root(4), 3, root(3)).is_err());
}

/// `n` distinct pseudo-random leaves of varying length.
fn random_leaves(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let x = common::sample(i as u64 + 1, 1 + i % 40);
            x.iter().map(|v| (v * 127.0) as i8 as u8).collect()
        })
        .collect()
}

/// The store's roots, inclusion and consistency proofs against ct-merkle's, both ways, for every
/// size up to 70 (and proofs between many pairs of sizes); its tiles hold the right hashes.
#[test]
fn store_agrees_with_ct_merkle() {
    let dir = common::tempdir("vectors");
    let mut store = Store::open(&dir.join("log.db")).expect("opens");
    let data = random_leaves(70);
    let mut ct: MemoryBackedTree<Sha256, Vec<u8>> = MemoryBackedTree::new();
    let mut roots = vec![EMPTY_HASH];
    for (i, d) in data.iter().enumerate() {
        let mut statement = [0u8; 32];
        statement[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let a = store.append(d, &statement, None).expect("appends");
        assert_eq!((a.index, a.duplicate), (i as u64, false));
        assert!(store.append(d, &statement, None).expect("dup").duplicate);
        ct.push(d.clone());
        let (size, r) = store.tree().expect("tree");
        assert_eq!(size, i as u64 + 1);
        assert_eq!(
            r.0.as_slice(),
            ct.root().as_bytes().as_slice(),
            "root at size {size}"
        );
        roots.push(r);
    }
    let size = data.len() as u64;
    store
        .snapshot(|s| {
            for i in 0..size {
                let ours = s.inclusion_proof(i)?;
                let theirs = ct.prove_inclusion(i as usize);
                let ours_bytes: Vec<u8> = ours.iter().flat_map(|h| h.0).collect();
                assert_eq!(ours_bytes, theirs.as_bytes(), "inclusion proof of {i}");
                ct.root()
                    .verify_inclusion(
                        &data[i as usize],
                        i,
                        &InclusionProof::<Sha256>::from_bytes(ours_bytes),
                    )
                    .expect("ct-merkle accepts our inclusion proof");
            }
            for old in [1u64, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 64, 69] {
                for new in [old, old + 1, old + 5, 64, 70] {
                    if new < old || new > size {
                        continue;
                    }
                    let (proof, r_old, r_new) = s.consistency_proof(old, new)?;
                    assert_eq!((r_old, r_new), (roots[old as usize], roots[new as usize]));
                    check_consistency(&proof, old, r_old, new, r_new)
                        .expect("our proof, our check");
                    let bytes: Vec<u8> = proof.iter().flat_map(|h| h.0).collect();
                    let ct_new = RootHash::<Sha256>::new(r_new.0.into(), new);
                    let ct_old = RootHash::<Sha256>::new(r_old.0.into(), old);
                    if new > old {
                        ct_new
                            .verify_consistency(
                                &ct_old,
                                &ConsistencyProof::try_from_bytes(bytes).expect("bytes"),
                            )
                            .unwrap_or_else(|e| {
                                panic!("ct-merkle rejects our proof {old}->{new}: {e}")
                            });
                    }
                }
            }
            // Level-0 tile: the leaf hashes; level-1 tile of a 70-leaf tree does not exist yet.
            let t = TileRef {
                kind: TileKind::Hashes { level: 0 },
                index: 0,
                width: 70,
            };
            let tile = s.tile(&t)?;
            let want: Vec<u8> = data.iter().flat_map(|d| record_hash(d).0).collect();
            assert_eq!(tile, want);
            assert!(s.tile(&TileRef { width: 71, ..t }).is_err());
            assert!(
                s.tile(&TileRef {
                    kind: TileKind::Hashes { level: 1 },
                    index: 0,
                    width: 1
                })
                .is_err()
            );
            let e = s.tile(&TileRef {
                kind: TileKind::Entries,
                index: 0,
                width: 70,
            })?;
            assert_eq!(decode_bundle(&e)?, data);
            Ok(())
        })
        .expect("snapshot");
    // Bit flips in a store-made proof fail.
    store
        .snapshot(|s| {
            let p = s.inclusion_proof(37)?;
            let leaf = record_hash(&data[37]);
            check_inclusion(&p, size, roots[70], 37, leaf).expect("verifies");
            for i in 0..p.len() {
                for bit in [1u8, 0x80] {
                    assert!(
                        check_inclusion(&flipped(&p, i, bit), size, roots[70], 37, leaf).is_err()
                    );
                }
            }
            Ok(())
        })
        .expect("snapshot");
}

/// A 256-leaf level-0 tile hashes to the level-1 node the next tile level stores.
#[test]
fn full_tile_hashes_to_its_parent() {
    let dir = common::tempdir("tiles");
    let mut store = Store::open(&dir.join("log.db")).expect("opens");
    for i in 0..300u64 {
        let mut st = [0u8; 32];
        st[..8].copy_from_slice(&i.to_le_bytes());
        store.append(&i.to_le_bytes(), &st, None).expect("appends");
    }
    store
        .snapshot(|s| {
            let full = s.tile(&TileRef {
                kind: TileKind::Hashes { level: 0 },
                index: 0,
                width: 256,
            })?;
            let mut level: Vec<Hash> = full
                .chunks(32)
                .map(|c| Hash(c.try_into().unwrap()))
                .collect();
            while level.len() > 1 {
                level = level.chunks(2).map(|p| node_hash(p[0], p[1])).collect();
            }
            let up = s.tile(&TileRef {
                kind: TileKind::Hashes { level: 1 },
                index: 0,
                width: 1,
            })?;
            assert_eq!(up, level[0].0.to_vec());
            let (_, _, r256) = s.consistency_proof(0, 256)?;
            assert_eq!(r256, level[0]);
            Ok(())
        })
        .expect("snapshot");
}
