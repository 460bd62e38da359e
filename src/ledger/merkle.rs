//! RFC 9162 §2.1 Merkle trees over the custody log, computed from stored perfect
//! subtrees so that roots and proofs cost O(log n) node reads, never a scan.
//!
//! A *node* here is a perfect, aligned subtree: leaves `[index << level, (index + 1) << level)`.
//! Every subtree the RFC's recursion visits decomposes into such nodes.

use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

pub type Hash = [u8; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// The perfect nodes covering `[a, b)` as the RFC's recursion splits it.
fn cover(a: u64, b: u64, out: &mut Vec<NodeId>) {
    let n = b - a;
    if n.is_power_of_two() && a.is_multiple_of(n) {
        out.push(NodeId {
            level: n.trailing_zeros(),
            index: a >> n.trailing_zeros(),
        });
    } else {
        let k = split(n);
        cover(a, a + k, out);
        cover(a + k, b, out);
    }
}

/// A subtree range `[start, end)` whose hash a proof or root needs.
pub type Range = (u64, u64);

/// RFC 9162 §2.1.3.1 PATH(m, D[a:b]) as ranges, deepest first.
fn path(m: u64, a: u64, b: u64, out: &mut Vec<Range>) {
    let n = b - a;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m - a < k {
        path(m, a, a + k, out);
        out.push((a + k, b));
    } else {
        path(m, a + k, b, out);
        out.push((a, a + k));
    }
}

/// RFC 9162 §2.1.4.1 SUBPROOF(m, D[a:b], start) as ranges; `m` is absolute.
fn subproof(m: u64, a: u64, b: u64, start: bool, out: &mut Vec<Range>) {
    if m == b {
        if !start {
            out.push((a, b));
        }
        return;
    }
    let k = split(b - a);
    if m - a <= k {
        subproof(m, a, a + k, start, out);
        out.push((a + k, b));
    } else {
        subproof(m, a + k, b, false, out);
        out.push((a, a + k));
    }
}

/// The ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size`.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<Range> {
    let mut out = Vec::new();
    if index < size {
        path(index, 0, size, &mut out);
    }
    out
}

/// The ranges whose hashes form the consistency proof between sizes `first` and `second`.
pub fn consistency_ranges(first: u64, second: u64) -> Vec<Range> {
    let mut out = Vec::new();
    if 0 < first && first < second {
        subproof(first, 0, second, true, &mut out);
    }
    out
}

/// Every stored node needed to hash these ranges.
pub fn nodes_for(ranges: &[Range]) -> BTreeSet<NodeId> {
    let mut nodes = Vec::new();
    for &(a, b) in ranges {
        if a < b {
            cover(a, b, &mut nodes);
        }
    }
    nodes.into_iter().collect()
}

/// The hash of `[a, b)` from the nodes that cover it.
pub fn range_hash(a: u64, b: u64, nodes: &HashMap<NodeId, Hash>) -> Option<Hash> {
    let n = b - a;
    if n == 0 {
        return Some(empty_root());
    }
    if n.is_power_of_two() && a.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return nodes
            .get(&NodeId {
                level,
                index: a >> level,
            })
            .copied();
    }
    let k = split(n);
    Some(node_hash(
        &range_hash(a, a + k, nodes)?,
        &range_hash(a + k, b, nodes)?,
    ))
}

pub fn hash_ranges(ranges: &[Range], nodes: &HashMap<NodeId, Hash>) -> Option<Vec<Hash>> {
    ranges
        .iter()
        .map(|&(a, b)| range_hash(a, b, nodes))
        .collect()
}

/// The nodes completed by appending leaf `index`: the leaf itself, then each parent
/// whose right child it completes.
pub fn completed_by(index: u64) -> impl Iterator<Item = NodeId> {
    let levels = (index + 1).trailing_zeros();
    (0..=levels).map(move |level| NodeId {
        level,
        index: index >> level,
    })
}

/// Computes and records the nodes a new leaf completes; `nodes` must hold the left
/// siblings on its path (see [`completed_by`]).
pub fn add_leaf(index: u64, leaf: Hash, nodes: &mut HashMap<NodeId, Hash>) -> Vec<(NodeId, Hash)> {
    let mut added = vec![(NodeId { level: 0, index }, leaf)];
    nodes.insert(NodeId { level: 0, index }, leaf);
    let mut current = leaf;
    for id in completed_by(index).skip(1) {
        let left = NodeId {
            level: id.level - 1,
            index: id.index * 2,
        };
        let left_hash = nodes.get(&left).copied().expect("left sibling loaded");
        current = node_hash(&left_hash, &current);
        nodes.insert(id, current);
        added.push((id, current));
    }
    added
}

/// The left siblings that appending leaf `index` needs.
pub fn siblings_for_append(index: u64) -> Vec<NodeId> {
    completed_by(index)
        .skip(1)
        .map(|id| NodeId {
            level: id.level - 1,
            index: id.index * 2,
        })
        .collect()
}

/// RFC 9162 §2.1.3.2: verifies an inclusion proof.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: verifies a consistency proof.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 || first > second || proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    fr == *first_root && sr == *second_root && s_n == 0
}

/// An in-memory log: every node of every complete subtree. For tests and verifiers.
#[derive(Default)]
pub struct MemoryTree {
    pub nodes: HashMap<NodeId, Hash>,
    pub size: u64,
}

impl MemoryTree {
    pub fn push(&mut self, leaf: Hash) {
        add_leaf(self.size, leaf, &mut self.nodes);
        self.size += 1;
    }

    pub fn root(&self, size: u64) -> Hash {
        range_hash(0, size, &self.nodes).expect("size within the tree")
    }

    pub fn inclusion(&self, index: u64, size: u64) -> Vec<Hash> {
        hash_ranges(&inclusion_ranges(index, size), &self.nodes).expect("within the tree")
    }

    pub fn consistency(&self, first: u64, second: u64) -> Vec<Hash> {
        hash_ranges(&consistency_ranges(first, second), &self.nodes).expect("within the tree")
    }
}
