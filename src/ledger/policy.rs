//! Witness policies (C2SP `tlog-policy`, custody-log.md §7): which log a verifier
//! trusts, which witnesses it knows, and which sets of them must have cosigned a
//! checkpoint (groups of `k`, `any` or `all` members, nested, and one `quorum`).
//!
//! ```text
//! log <verifier key>
//! witness <name> <verifier key> [<URL>]
//! group <name> <k|any|all> <member>...
//! quorum <name>
//! ```
//!
//! A `witness` line may end with the witness's URL (the service's own policy, which
//! says where to send checkpoints); a verifier ignores it. `#` starts a comment.

use super::cosignature::{self, Cosigned, Cosigner};
use super::note::{self, NoteVerifier};
use std::collections::{BTreeMap, BTreeSet};

/// A witness a policy names.
#[derive(Debug, Clone)]
pub struct Witness {
    /// Its name in the policy (`jm`).
    pub name: String,
    pub cosigner: Cosigner,
    pub verifier_key: String,
    pub url: Option<String>,
}

/// How many of a group's members must be satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Threshold {
    AtLeast(usize),
    All,
}

#[derive(Debug, Clone)]
struct Group {
    threshold: Threshold,
    members: Vec<String>,
}

/// A parsed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub log: NoteVerifier,
    pub witnesses: Vec<Witness>,
    groups: BTreeMap<String, Group>,
    /// The group or witness that must be satisfied; `None`: no cosignature needed.
    quorum: Option<String>,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, String> {
        let mut log = None;
        let mut witnesses: Vec<Witness> = Vec::new();
        let mut groups: BTreeMap<String, Group> = BTreeMap::new();
        let mut quorum: Option<Option<String>> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let at = |m: &str| format!("line {}: {m}", n + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            let known = |name: &str, w: &[Witness], g: &BTreeMap<String, Group>| {
                w.iter().any(|x| x.name == name) || g.contains_key(name)
            };
            match words.as_slice() {
                ["log", key] => {
                    if log.is_some() {
                        return Err(at("a second log line"));
                    }
                    log = Some(note::parse_verifier_key(key).map_err(|e| at(&e))?);
                }
                ["witness", name, key, rest @ ..] if rest.len() <= 1 => {
                    if known(name, &witnesses, &groups) {
                        return Err(at(&format!("{name} is named twice")));
                    }
                    witnesses.push(Witness {
                        name: (*name).to_owned(),
                        cosigner: cosignature::parse_verifier_key(key).map_err(|e| at(&e))?,
                        verifier_key: (*key).to_owned(),
                        url: rest.first().map(|u| (*u).to_owned()),
                    });
                }
                ["group", name, threshold, members @ ..] if !members.is_empty() => {
                    if known(name, &witnesses, &groups) {
                        return Err(at(&format!("{name} is named twice")));
                    }
                    for m in members {
                        if !known(m, &witnesses, &groups) {
                            return Err(at(&format!("{m} is not a witness or group named above")));
                        }
                    }
                    let threshold = match *threshold {
                        "all" => Threshold::All,
                        "any" => Threshold::AtLeast(1),
                        k => match k.parse::<usize>() {
                            Ok(k) if k >= 1 && k <= members.len() => Threshold::AtLeast(k),
                            _ => {
                                return Err(at("a group's threshold is any, all or 1 to its size"));
                            }
                        },
                    };
                    groups.insert(
                        (*name).to_owned(),
                        Group {
                            threshold,
                            members: members.iter().map(|m| (*m).to_owned()).collect(),
                        },
                    );
                }
                ["quorum", name] => {
                    if quorum.is_some() {
                        return Err(at("a second quorum line"));
                    }
                    if *name == "none" {
                        quorum = Some(None);
                    } else if known(name, &witnesses, &groups) {
                        quorum = Some(Some((*name).to_owned()));
                    } else {
                        return Err(at(&format!("{name} is not a witness or group named above")));
                    }
                }
                _ => return Err(at("not a log, witness, group or quorum line")),
            }
        }
        Ok(Policy {
            log: log.ok_or("the policy names no log")?,
            witnesses,
            groups,
            quorum: quorum.ok_or("the policy has no quorum line")?,
        })
    }

    pub fn cosigners(&self) -> Vec<Cosigner> {
        self.witnesses.iter().map(|w| w.cosigner.clone()).collect()
    }

    /// The policy's names of the witnesses whose cosignatures these are.
    pub fn witnesses_cosigning(&self, cosigned: &[Cosigned]) -> BTreeSet<String> {
        self.witnesses
            .iter()
            .filter(|w| {
                cosigned
                    .iter()
                    .any(|c| c.name == w.cosigner.name && c.id == w.cosigner.id)
            })
            .map(|w| w.name.clone())
            .collect()
    }

    /// Whether the witnesses (by their names in the policy) satisfy the quorum.
    pub fn satisfied_by(&self, witnesses: &BTreeSet<String>) -> bool {
        match &self.quorum {
            None => true,
            Some(q) => self.satisfies(q, witnesses),
        }
    }

    fn satisfies(&self, member: &str, witnesses: &BTreeSet<String>) -> bool {
        match self.groups.get(member) {
            None => witnesses.contains(member),
            Some(group) => {
                let met = group
                    .members
                    .iter()
                    .filter(|m| self.satisfies(m, witnesses))
                    .count();
                match group.threshold {
                    Threshold::All => met == group.members.len(),
                    Threshold::AtLeast(k) => met >= k,
                }
            }
        }
    }

    /// How many cosigners the quorum needs at least (for the words of a verdict).
    pub fn least_needed(&self) -> usize {
        match &self.quorum {
            None => 0,
            Some(q) => self.least(q),
        }
    }

    fn least(&self, member: &str) -> usize {
        match self.groups.get(member) {
            None => 1,
            Some(group) => {
                let mut costs: Vec<usize> = group.members.iter().map(|m| self.least(m)).collect();
                costs.sort_unstable();
                let k = match group.threshold {
                    Threshold::All => costs.len(),
                    Threshold::AtLeast(k) => k,
                };
                costs.iter().take(k).sum()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!("../../tests/vectors/cosignature-vectors.json")).unwrap()
    }

    #[test]
    fn the_vectors_policies_are_met_exactly_where_they_say() {
        let v = vectors();
        let cosigned = v["cosigned_checkpoint"].as_str().unwrap();
        for case in v["policies"].as_array().unwrap() {
            let policy = Policy::parse(case["policy"].as_str().unwrap()).unwrap();
            let (_, found) =
                cosignature::verify(cosigned, &policy.log, &policy.cosigners()).unwrap();
            let witnesses = policy.witnesses_cosigning(&found);
            assert_eq!(
                policy.satisfied_by(&witnesses),
                case["satisfied"].as_bool().unwrap(),
                "{}",
                case["policy"]
            );
        }
    }

    #[test]
    fn nested_groups_count_their_members_and_a_bad_policy_says_where() {
        let v = vectors();
        let head: String = v["policies"][0]["policy"]
            .as_str()
            .unwrap()
            .lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect();
        let policy = Policy::parse(&format!(
            "{head}group caribbean any jm tt\ngroup both 2 caribbean bb # one of JM and TT, and BB\nquorum both\n"
        ))
        .unwrap();
        let set = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        assert!(!policy.satisfied_by(&set(&["jm", "tt"])));
        assert!(policy.satisfied_by(&set(&["tt", "bb"])));
        assert!(!policy.satisfied_by(&set(&["bb"])));
        assert_eq!(policy.least_needed(), 2);
        let none = Policy::parse(&format!("{head}quorum none\n")).unwrap();
        assert!(none.satisfied_by(&set(&[])));
        for (bad, says) in [
            (format!("{head}group g 3 jm tt\nquorum g\n"), "line 5"),
            (
                format!("{head}group g any jm xx\nquorum g\n"),
                "xx is not a witness",
            ),
            (format!("{head}quorum g\n"), "g is not a witness"),
            (head.clone(), "no quorum"),
            (
                format!("{head}witness jm {}\nquorum jm\n", "x+y+z"),
                "line 5",
            ),
        ] {
            let err = Policy::parse(&bad).unwrap_err();
            assert!(err.contains(says), "{err} / {says}");
        }
    }
}
